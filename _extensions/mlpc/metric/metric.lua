-- {{< metric KEY >}} inserts the value a notebook recorded with mlpc_helpers.report.record(KEY, ...)
-- (read from build/metrics/*.json at render time), so a slide always states our recorded number.
-- Options: digits=N (default 2), scale=100 (e.g. fractions shown as percent), published=true
-- (insert the published value instead), stat=median|range|min|max (the seed sweep's median, its
-- "min–max" range, or one end: read from results/seeds/summary.csv under $MLPC_ROOT or the
-- project, whose rows build/seeds/summary.csv replaces for the notebooks it covers, as
-- mlpc_helpers.report does). A key that was not recorded renders as a visible placeholder telling
-- the instructor to run `make course` (or `make seeds`) first.

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

local sweep = nil

local function split_csv_line(line)
  local out = {}
  for field in (line .. ","):gmatch("([^,]*),") do table.insert(out, field) end
  return out
end

-- {notebook -> {key -> {median=, min=, max=}}} of one summary.csv (nil if absent)
local function read_summary(path)
  local f = io.open(path, "r")
  if f == nil then return nil end
  local header, rows = nil, {}
  for line in f:lines() do
    line = line:gsub("\r$", "")
    if header == nil then
      header = {}
      for i, name in ipairs(split_csv_line(line)) do header[name] = i end
    elseif line ~= "" then
      local c = split_csv_line(line)
      local nb, key = c[header["notebook"]], c[header["key"]]
      rows[nb] = rows[nb] or {}
      rows[nb][key] = {median = c[header["median"]], min = c[header["min"]],
                       max = c[header["max"]]}
    end
  end
  f:close()
  return rows
end

local function load_sweep()
  if sweep then return sweep end
  sweep = {}
  local root = os.getenv("MLPC_ROOT") or (quarto.project and quarto.project.directory) or "."
  local by_nb = read_summary(root .. "/results/seeds/summary.csv") or {}
  -- a local sweep (make seeds) replaces the committed rows of the notebooks it covers
  for nb, keys in pairs(read_summary(root .. "/build/seeds/summary.csv") or {}) do
    by_nb[nb] = keys
  end
  for _, keys in pairs(by_nb) do
    for k, v in pairs(keys) do sweep[k] = v end
  end
  return sweep
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
    local stat = pandoc.utils.stringify(kwargs["stat"] or "")
    if stat ~= "" then
      local row = load_sweep()[key]
      local ends = {median = true, min = true, max = true, range = true}
      if not ends[stat] then
        quarto.log.warning("metric " .. key .. ": unknown stat=" .. stat .. " (median|range|min|max)")
        return pandoc.Strong(pandoc.Str("[" .. key .. ": unknown stat " .. stat .. "]"))
      end
      local function num(x) return tonumber(x) or x end
      if row == nil or (row.median or "") == "" then
        quarto.log.warning("metric " .. key .. " not recorded in the seed sweep: run `make seeds`")
        return pandoc.Strong(pandoc.Str("[" .. key .. ": not recorded yet in the seed sweep]"))
      end
      if stat == "range" then
        return pandoc.Str(fmt(num(row.min), digits, scale) .. "–" .. fmt(num(row.max), digits, scale))
      end
      return pandoc.Str(fmt(num(row[stat]), digits, scale))
    end
    local entry = load_metrics()[key]
    if entry == nil or entry[which] == nil then
      quarto.log.warning("metric " .. key .. " not recorded: run `make course` before rendering")
      return pandoc.Strong(pandoc.Str("[" .. key .. ": not recorded yet]"))
    end
    return pandoc.Str(fmt(entry[which], digits, scale))
  end
}
