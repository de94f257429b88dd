-- Title slides of the decks (slides/weekNN_*.qmd, slides/unitNN_*.qmd) and the PDF handouts
-- (decks and notebooks/weekNN_*.ipynb rendered to typst) carry the lecturer, the institution,
-- the term, the license and the week's dates from the course config. Nothing is written into
-- the sources; a document that sets its own author or date keeps it.

local load = dofile(quarto.utils.resolve_path("course-data.lua"))

local function inlines(s) return pandoc.MetaInlines(pandoc.Inlines(s)) end

local function week_of(path)
  local dir, stem = string.match(path, "([^/\\]+)[/\\]([^/\\]+)%.[^.]+$")
  if dir == nil then return nil end
  local n = string.match(stem, "^week(%d+)_") or string.match(stem, "^unit(%d+)_")
  if n == nil then return nil end
  return dir, tostring(tonumber(n))
end

function Meta(meta)
  local path = quarto.doc.input_file or ""
  local dir, week = week_of(path)
  if week == nil then return nil end
  local kind
  if dir == "slides" then
    kind = "deck"
  elseif dir == "notebooks" and quarto.doc.is_format("typst") then
    kind = "notebook"
  else
    return nil
  end
  local info = load().weeks and load().weeks[week]
  if info == nil then return nil end
  if meta["by-author"] == nil and meta.author == nil and info.author ~= "" then
    local a = {name = pandoc.MetaMap({literal = inlines(info.author)})}
    if info.email ~= "" then a.email = inlines(info.email) end
    if info.affiliation ~= "" then
      a.affiliations = pandoc.MetaList({pandoc.MetaMap({name = inlines(info.affiliation)})})
    end
    meta["by-author"] = pandoc.MetaList({pandoc.MetaMap(a)})
  end
  if meta.date == nil and info[kind] then meta.date = inlines(info[kind]) end
  return meta
end
