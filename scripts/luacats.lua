-- Writes types/idcloudhost.lua, the LuaCATS definitions of the public API for lua-language-server
-- (`---@meta`), from what LDoc reads in the modules' doc comments (scripts/ldoc_dump.lua): one
-- class per module table, client, family collection and object kind, with the objects' fields;
-- every option table a class of its own, so that `vm:stop{force = true}` and `vm.memory`
-- complete.  Run by `make types` (it needs LDoc):
--   ldoc --filter scripts.ldoc_dump.dump . > dump.lua && lua scripts/luacats.lua dump.lua
--   lua scripts/luacats.lua dump.lua --check     exit 1 if types/idcloudhost.lua is not current
-- Also a module: dofile("scripts/luacats.lua").generate(items) returns the text.
local M = {}

M.OUT = "types/idcloudhost.lua"

local PLAIN = { string = true, integer = true, number = true, boolean = true, table = true,
  ["function"] = true, userdata = true, any = true, ["nil"] = true, ["true"] = true }

-- The LuaCATS name of a class: what the reference calls "vm" is idcloudhost.vm.
local function class(name) return "idcloudhost." .. name end

-- The local variable holding a class's methods in the file: idcloudhost.client.vms -> client_vms.
function M.var(name) return (name:gsub("%.", "_")) end

-- The types of a callback's arguments, by the names the doc comments give them in their
-- `function(a, b)` signatures; a name not listed is `any`.
local ARGS = {
  seconds = "number", elapsed = "number", done = "integer", total = "integer", seen = "any",
  item = "any", result = "{ok: boolean, value: any, err: idcloudhost.error?}", vm = "idcloudhost.vm",
  disk = "table", record = "table", req = "table", line = "string", client = "idcloudhost.client",
  location = "table", ok = "boolean", ["..."] = "any",
}

-- A callback's LuaCATS type from the signature its description opens with ("`function(seen,
-- elapsed)` after each poll" -> fun(seen: any, elapsed: number)), or nil.
local function callback(desc)
  local args = desc and desc:match("^`function%(([^)]*)%)")
  if not args then return nil end
  local list = {}
  for name in args:gmatch("[^,%s]+") do list[#list + 1] = name .. ": " .. (ARGS[name] or "any") end
  return "fun(" .. table.concat(list, ", ") .. ")"
end
M.callback = callback

local function luatype(t, classes, where, desc)
  if t == nil or t == "" then return "any" end
  local parts = {}
  for alt in t:gmatch("[^|]+") do
    local inner = alt:match("^{(.-),%.%.%.}$")
    if inner then
      parts[#parts + 1] = luatype(inner, classes, where) .. "[]"
    elseif alt == "function" and callback(desc) then
      parts[#parts + 1] = callback(desc)
    elseif PLAIN[alt] then
      parts[#parts + 1] = alt
    elseif classes[alt] then
      parts[#parts + 1] = class(alt)
    else
      error(where .. ": unknown type '" .. alt .. "' (a class of the reference, or a Lua type)", 0)
    end
  end
  return table.concat(parts, "|")
end

local function comment(out, text)
  if text and text ~= "" then out[#out + 1] = "---" .. text end
end

-- The value types of a return position across LDoc's return groups: "vm", or "string?" when
-- another group leaves it out or returns nil there.
local function returns(item, classes)
  local n = 0
  for _, g in ipairs(item.returns) do n = math.max(n, #g) end
  local out = {}
  for i = 1, n do
    local set, order, optional, text = {}, {}, false, nil
    for _, g in ipairs(item.returns) do
      local r = g[i]
      if r == nil or r.type == "nil" then
        optional = true
      else
        local t = luatype(r.type, classes, item.name)
        if not set[t] then set[t] = true order[#order + 1] = t end
        text = text or (r.text ~= "" and r.text or nil)
      end
    end
    local t = #order > 0 and table.concat(order, "|") or "nil"
    out[#out + 1] = { type = t, optional = optional, text = text }
  end
  return out
end

local function field_line(p, classes, where)
  local name = p.name
  local t = luatype(p.type, classes, where .. "." .. name, p.desc)
  if t == "nil" then return nil end
  return string.format("---@field %s%s %s%s", name, p.opt ~= nil and "?" or "", t,
    p.desc ~= "" and (" " .. p.desc) or "")
end

-- The parameters of a function item, top-level ones with their option classes.
local function params(item, classes, out_classes)
  local top, subs = {}, {}
  for _, p in ipairs(item.params) do
    local parent, child = p.name:match("^([%w_]+)%.([%w_]+)$")
    if parent then
      subs[parent] = subs[parent] or {}
      table.insert(subs[parent], { name = child, type = p.type, opt = p.opt, desc = p.desc })
    else
      top[#top + 1] = p
    end
  end
  local lines, names = {}, {}
  for _, p in ipairs(top) do
    local t
    if subs[p.name] then
      local owner = item.name:gsub(":", ".")
      local cname = class(owner .. "." .. p.name)
      local cl = { "---@class " .. cname }
      for _, s in ipairs(subs[p.name]) do
        cl[#cl + 1] = field_line(s, classes, cname)
      end
      out_classes[#out_classes + 1] = table.concat(cl, "\n")
      t = cname
      if p.type and p.type ~= "table" then t = t .. "|" .. luatype(p.type:gsub("^table|", ""):gsub("|table$", ""), classes, item.name) end
    else
      t = luatype(p.type, classes, item.name .. " " .. p.name, p.desc)
    end
    lines[#lines + 1] = string.format("---@param %s%s %s%s", p.name, p.opt ~= nil and "?" or "", t,
      p.desc ~= "" and (" " .. p.desc) or "")
    names[#names + 1] = p.name
  end
  return lines, names
end

local function fn(item, classes, out_classes, define)
  local out = {}
  comment(out, item.summary)
  local plines, pnames = params(item, classes, out_classes)
  for _, l in ipairs(plines) do out[#out + 1] = l end
  local rets = returns(item, classes)
  local fails = item.errors ~= nil
  for i, r in ipairs(rets) do
    out[#out + 1] = string.format("---@return %s%s %s%s", r.type, (r.optional or fails) and "?" or "",
      i == 1 and "result" or ("r" .. i), r.text and (" " .. r.text) or "")
  end
  if fails then
    if #rets == 0 then out[#out + 1] = "---@return any? result" end
    out[#out + 1] = "---@return idcloudhost.error? err " .. item.errors
  end
  out[#out + 1] = string.format("%s(%s) end", define, table.concat(pnames, ", "))
  return table.concat(out, "\n")
end

--- The text of types/idcloudhost.lua from the dump's items.
function M.generate(items)
  -- classes: every section of the reference (client, client.vms, vm, error...), and json
  local classes, order = { json = true }, {}
  for _, it in ipairs(items) do
    if it.section and not classes[it.section] then
      classes[it.section] = true
      order[#order + 1] = it.section
    end
  end
  local body, opt_classes = {}, {}
  -- the module table
  local mod = { "---The Lua SDK for the idcloudhost.com / elastis.id cloud: `require \"idcloudhost\"`.",
    "---@class idcloudhost" }
  local mod_fns, json = {}, { "---JSON as the SDK reads and writes it.", "---@class idcloudhost.json" }
  local json_fns = {}
  for _, it in ipairs(items) do
    if it.module == "idcloudhost" and not it.section then
      local jname = it.name:match("^json%.(.+)$")
      if it.kind == "function" then
        if jname then
          json_fns[#json_fns + 1] = fn(it, classes, opt_classes, "function json." .. jname)
        else
          mod_fns[#mod_fns + 1] = fn(it, classes, opt_classes, "function idcloudhost." .. it.name)
        end
      elseif it.name == "json" then
        mod[#mod + 1] = "---@field json idcloudhost.json " .. it.summary
      else
        local p = it.params[1]
        local line = field_line({ name = jname or it.name, type = p and p.type, desc = it.summary }, classes, it.name)
        if jname then json[#json + 1] = line else mod[#mod + 1] = line end
      end
    end
  end
  mod[#mod + 1] = "local idcloudhost = {}"
  json[#json + 1] = "local json = {}"
  body[#body + 1] = table.concat(mod, "\n")
  for _, f in ipairs(mod_fns) do body[#body + 1] = f end
  body[#body + 1] = table.concat(json, "\n")
  for _, f in ipairs(json_fns) do body[#body + 1] = f end

  for _, section in ipairs(order) do
    local head = { "---@class " .. class(section) }
    local fns = {}
    for _, it in ipairs(items) do
      if it.section == section then
        if it.kind == "table" and it.name == section .. ".fields" then
          head[#head] = nil
          comment(head, it.summary)
          head[#head + 1] = "---@class " .. class(section)
          for _, p in ipairs(it.params) do
            if not p.name:find(".", 1, true) then head[#head + 1] = field_line(p, classes, section) end
          end
        elseif it.kind == "function" then
          local member = it.name:match("^" .. section:gsub("%p", "%%%0") .. "([:.][%w_]+)$")
          assert(member, it.name .. " is in section " .. section .. " but not named after it")
          fns[#fns + 1] = fn(it, classes, opt_classes, "function " .. M.var(section) .. member)
        end
      end
    end
    head[#head + 1] = "local " .. M.var(section) .. " = {}"
    body[#body + 1] = table.concat(head, "\n")
    for _, f in ipairs(fns) do body[#body + 1] = f end
  end

  local out = {
    "---@meta idcloudhost",
    "-- LuaCATS definitions of the idcloudhost SDK for lua-language-server (completion, hover, type",
    "-- checks).  Generated by `make types` (scripts/luacats.lua) from the doc comments the reference",
    "-- is built from: do not edit.  Point lua-language-server at this directory (README, \"Using it",
    "-- from your own script\").",
    "-- luacheck: ignore",
    "",
  }
  for _, c in ipairs(opt_classes) do out[#out + 1] = c .. "\n" end
  for _, b in ipairs(body) do out[#out + 1] = b .. "\n" end
  out[#out + 1] = "return idcloudhost"
  return table.concat(out, "\n") .. "\n"
end

if arg and arg[0] and arg[0]:match("luacats%.lua$") then
  local dump = assert(arg[1], "usage: luacats.lua DUMP [--check]")
  dofile("scripts/generated.lua")(M.OUT, M.generate(dofile(dump)), arg[2] == "--check", "types")
end

return M
