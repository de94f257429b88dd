-- What the course config (course.yml) says, computed by Python: runs
--   <python> -m mlpc_course.course_pages [--config <course.yml>]
-- once per rendered document and decodes its JSON (see mlpc_course/course_pages.py).
-- <python>: $QUARTO_PYTHON (tools/render.py sets it to the course's Python), else the
-- .venv/ of $MLPC_ROOT or of the project, else python3. The config: $MLPC_COURSE_CONFIG, else
-- course.yml of the project. A failure is a Quarto ERROR (tools/render.py fails on it).

local cache = nil

local function quote(s)
  return "'" .. string.gsub(s, "'", "'\\''") .. "'"
end

local function run(cmd)
  local pipe = io.popen(cmd)
  if pipe == nil then return nil, "" end
  local out = pipe:read("a") or ""
  local ok = pipe:close()
  return ok, out
end

local function candidates()
  local out = {}
  local function add(p) if p ~= nil and p ~= "" then table.insert(out, p) end end
  add(os.getenv("QUARTO_PYTHON"))
  local root = os.getenv("MLPC_ROOT")
  if root ~= nil and root ~= "" then add(root .. "/.venv/bin/python") end
  if quarto.project and quarto.project.directory then
    add(quarto.project.directory .. "/.venv/bin/python")
  end
  add("python3")
  return out
end

return function()
  if cache then return cache end
  local args = " -m mlpc_course.course_pages"
  local cfg = os.getenv("MLPC_COURSE_CONFIG")
  if (cfg == nil or cfg == "") and quarto.project and quarto.project.directory then
    cfg = quarto.project.directory .. "/course.yml"
  end
  if cfg ~= nil and cfg ~= "" then args = args .. " --config " .. quote(cfg) end
  local tried = {}
  for _, py in ipairs(candidates()) do
    local ok, out = run(quote(py) .. args .. " 2>/dev/null")
    if ok and out ~= "" then
      local good, data = pcall(quarto.json.decode, out)
      if good and type(data) == "table" then
        cache = data
        return cache
      end
    end
    table.insert(tried, py)
  end
  local first = candidates()[1]
  local _, msg = run(quote(first) .. args .. " 2>&1")
  quarto.log.error("course: could not read the course config with `python" .. args
    .. "` (tried " .. table.concat(tried, ", ") .. "): " .. msg
    .. " Set QUARTO_PYTHON to the Python of the course's .venv/ or fix course.yml "
    .. "(python -m mlpc_course.course_config check).")
  cache = {blocks = {}, inline = {}, weeks = {}, failed = true}
  return cache
end
