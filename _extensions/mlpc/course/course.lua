-- {{< course KEY >}} inserts text computed from the course config (course.yml): dated weeks,
-- grading, hand-in, release schedule, where to ask, the mini-project timeline and rubric.
-- Keys: see mlpc_course/course_pages.py (e.g. `course week 5`, `course grading`,
-- `course milestone proposal`). An unknown key is a Quarto ERROR and a visible marker.

local load = dofile(quarto.utils.resolve_path("course-data.lua"))

return {
  ["course"] = function(args, kwargs, meta, raw_args, context)
    local parts = {}
    for _, a in ipairs(args) do table.insert(parts, pandoc.utils.stringify(a)) end
    local key = table.concat(parts, " ")
    local data = load()
    local text = data.inline and data.inline[key]
    if text ~= nil then
      local blocks = pandoc.read(text, "markdown").blocks
      if #blocks == 0 then return pandoc.Inlines({}) end
      return blocks[1].content
    end
    text = data.blocks and data.blocks[key]
    if text ~= nil then
      if text == "" then return pandoc.Blocks({}) end
      local blocks = pandoc.read(text, "markdown").blocks
      if context == "inline" and #blocks == 1 and blocks[1].content then
        return blocks[1].content
      end
      return blocks
    end
    local why = data.errors and data.errors[key]
    if why ~= nil then
      quarto.log.error("course: {{< course " .. key .. " >}}: " .. why)
    else
      quarto.log.error("course: unknown key `" .. key .. "` in {{< course " .. key .. " >}} "
        .. "(keys: mlpc_course/course_pages.py)")
    end
    return pandoc.Strong(pandoc.Str("[course " .. key .. ": unknown key]"))
  end
}
