-- Accessibility of what Quarto 1.7 writes (issue 42 item 4), as a filter after Quarto's own
-- (_quarto.yml: filters: [course, quarto, a11y]).
--
-- Handouts (typst): Pandoc 3.6's Typst writer drops an image's alt text; Quarto passes a
--   figure's `fig-alt` (the notebook cell's `#| fig-alt:`, also through {{< embed >}}) as
--   the image's `fig-alt` attribute. Here every image with one is written as Typst
--   `image(..., alt: "...")`, which Typst puts into the PDF.
-- Notebook handouts: cells marked `#| classes: deck-only` (a figure's deck variant) are left
--   out; the decks that embed them keep them.
-- Decks (revealjs): accessible names for reveal.js's slide-menu button and a keyboard stop
--   on its scrollable panels (axe-core: link-name, scrollable-region-focusable).

local function typst_string(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', ' ') .. '"'
end

-- Pandoc's Typst writer: a bare number is px (96 per inch); "50%" stays; "3in" stays.
local function typst_length(v)
  if v == nil or v == "" then return nil end
  local num, unit = v:match("^%s*([%d%.]+)%s*(%a*%%?)%s*$")
  if not num then return nil end
  if unit == "" or unit == "px" then
    return string.format("%.4fin", tonumber(num) / 96)
  elseif unit == "%" or unit == "in" or unit == "cm" or unit == "mm" or unit == "pt"
      or unit == "em" then
    return num .. unit
  end
  return nil
end

local function typst_image(img)
  local alt = img.attributes["fig-alt"] or img.attributes["alt"]
  if alt == nil or alt == "" then return nil end
  local args = { typst_string(img.src) }
  for _, key in ipairs({ "height", "width" }) do
    local len = typst_length(img.attributes[key])
    if len then table.insert(args, key .. ": " .. len) end
  end
  table.insert(args, "alt: " .. typst_string(alt))
  return pandoc.RawInline("typst", "#box(image(" .. table.concat(args, ", ") .. "))")
end

local DECK_SCRIPT = [[
<script>
(function () {
  function fix() {
    document.querySelectorAll(".slide-menu-button a").forEach(function (a) {
      if (!a.hasAttribute("aria-label")) { a.setAttribute("aria-label", "Slide menu"); }
    });
    document.querySelectorAll(".slide-menu-panel, .slide-menu-items").forEach(function (p) {
      if (!p.hasAttribute("tabindex")) { p.setAttribute("tabindex", "0"); }
    });
  }
  if (window.Reveal && Reveal.isReady && Reveal.isReady()) { fix(); }
  window.addEventListener("load", fix);
  if (window.Reveal && Reveal.on) { Reveal.on("ready", fix); Reveal.on("menu-ready", fix); }
  new MutationObserver(fix).observe(document.documentElement, { childList: true, subtree: true });
})();
</script>
]]

-- A notebook's deck variants (cells with `#| classes: deck-only`) are for the decks that
-- embed them: not in the notebook's own handout (site.css hides them on its page).
local function is_notebook()
  local input = quarto.doc.input_file or ""
  return input:match("%.ipynb$") ~= nil
end

if quarto.doc.is_format("typst") then
  return { {
    Image = function(img) return typst_image(img) end,
    Div = function(div)
      if is_notebook() and div.classes:includes("deck-only") then return {} end
    end,
  } }
elseif quarto.doc.is_format("revealjs") then
  return { { Pandoc = function(doc)
    quarto.doc.include_text("after-body", DECK_SCRIPT)
    return doc
  end } }
end
return {}
