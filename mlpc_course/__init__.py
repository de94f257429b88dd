"""mlpc_course: what builds the course from the notebooks (not for students).

``editions``        student editions (answers taken out) and their Colab pages
``nbval_editions``  pytest plugin: checks each student edition inside the nbval run
``site``            execute the notebooks and build the site without Quarto
``cli``             the ``mlpc`` command the Makefile calls (``python -m mlpc_course.cli``)

It imports :mod:`mlpc_helpers`; :mod:`mlpc_helpers` never imports it (tests/test_common.py).
"""
