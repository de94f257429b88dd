-- {{< metric KEY >}} inserts the value a notebook recorded with mlpc_helpers.report.record(KEY, ...)
-- (read from build/metrics/*.json at render time), so a slide always states our recorded number.
-- Options: digits=N (default 2), scale=100 (e.g. fractions shown as percent), published=true
-- (insert the published value instead). A key that was not recorded renders as a visible
-- placeholder telling the instructor to run `make course` first.

local cache = nil

local function load_metrics()
  if cache then return cache end
  cache = {}
  local root = (quarto.project and quarto.project.directory) or "."
  local dir = os.getenv("MLPC_METRICS_DIR") or (root .. "/build/metrics")
  local listing = io.popen('ls "' .. dir .. '"/*.json 2>/dev/null')
  if listing == nil then return cache end
  for file in listing:lines() do
    local f = io.open(file, "r")
    if f then
      local ok, data = pcall(quarto.json.decode, f:read("a"))
      f:close()
      if ok and type(data) == "table" then
        for k, v in pairs(data) do cache[k] = v end
      end
    end
  end
  listing:close()
  return cache
end

local function fmt(v, digits, scale)
  if type(v) == "number" then
    return string.format("%." .. digits .. "f", v * scale)
  end
  return tostring(v)
end

return {
  ["metric"] = function(args, kwargs)
    local key = pandoc.utils.stringify(args[1])
    local digits = tonumber(pandoc.utils.stringify(kwargs["digits"] or "")) or 2
    local scale = tonumber(pandoc.utils.stringify(kwargs["scale"] or "")) or 1
    local which = pandoc.utils.stringify(kwargs["published"] or "") == "true" and "published" or "value"
    local entry = load_metrics()[key]
    if entry == nil or entry[which] == nil then
      quarto.log.warning("metric " .. key .. " not recorded: run `make course` before rendering")
      return pandoc.Strong(pandoc.Str("[" .. key .. ": not recorded yet]"))
    end
    return pandoc.Str(fmt(entry[which], digits, scale))
  end
}
