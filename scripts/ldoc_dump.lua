-- An LDoc filter: prints what LDoc read from the doc comments as a Lua chunk, for the specs and
-- for scripts/luacats.lua.  `ldoc --filter scripts.ldoc_dump.dump .` (run from the repository,
-- with ./?.lua on LUA_PATH; LDoc runs on Lua 5.1).  The chunk returns a list of items:
--   {module =, section = "client.vms" | "vm" | nil, name = "client.vms:list", kind = "function"
--    | "table" | "field", summary =, errors = text of @errors,
--    params = {{name =, type =, opt = true | "default", desc =}, ...} (sub-parameters "opts.x"
--    follow their parent; for a table item, its fields), returns = {{{type =, text =}, ...}, ...}
--    (the return groups)}
local M = {}

local function q(v)
  if v == nil then return "nil" end
  if type(v) == "boolean" or type(v) == "number" then return tostring(v) end
  return string.format("%q", tostring(v))
end

local function trim(s)
  return (tostring(s or ""):gsub("^%s+", ""):gsub("%s+$", ""):gsub("%s+", " "))
end

local function params_of(item, tag)
  local out = {}
  local mods = item.modifiers and item.modifiers[tag] or {}
  local map = item.params and item.params.map or {}
  local function one(name)
    local m = mods[name] or {}
    out[#out + 1] = string.format("{ name = %s, type = %s, opt = %s, desc = %s }", q(name), q(m.type),
      q(m.opt), q(trim(map[name])))
  end
  for _, name in ipairs(item.params or {}) do
    one(name)
    for _, sub in ipairs(item.subparams and item.subparams[name] or {}) do one(sub) end
  end
  return "{ " .. table.concat(out, ", ") .. " }"
end

local function returns_of(item)
  local groups = {}
  for _, g in ipairs(item.retgroups or {}) do
    local rs = {}
    for _, r in ipairs(g) do rs[#rs + 1] = string.format("{ type = %s, text = %s }", q(r.type), q(trim(r.text))) end
    groups[#groups + 1] = "{ " .. table.concat(rs, ", ") .. " }"
  end
  return "{ " .. table.concat(groups, ", ") .. " }"
end

function M.dump(modules)
  local out = { "return {" }
  for _, mod in ipairs(modules) do
    -- topics (docs/*.md) are no API: LDoc gives their sections placeholder items
    for _, item in ipairs(mod.type == "topic" and {} or mod.items) do
      local section = item.section and tostring(item.section):match("^Class (.+)$") or nil
      local errors = item.tags and item.tags.errors
      if type(errors) == "table" then errors = table.concat(errors, "; ") end
      out[#out + 1] = string.format("  { module = %s, section = %s, name = %s, kind = %s, summary = %s, errors = %s,",
        q(mod.name), q(section), q(item.name), q(item.type), q(trim(item.summary)), q(errors and trim(errors)))
      out[#out + 1] = "    params = " .. params_of(item, (item.type == "table" or item.type == "field") and "field" or "param") .. ","
      out[#out + 1] = "    returns = " .. returns_of(item) .. " },"
    end
  end
  out[#out + 1] = "}"
  io.write(table.concat(out, "\n"), "\n")
end

return M
