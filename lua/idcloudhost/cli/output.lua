-- What the command prints: a table for people (columns per family), `-o json` (one document,
-- keys sorted, arrays as arrays), `-o jsonl` (one object a line), `-o columns=a,b` (a table of
-- those fields), `--quiet` (keys only, for xargs).  Objects are shown by their fields (pairs of
-- an SDK object are the platform's data only).
local idcloudhost = require "idcloudhost"

local output = {}

local FORMATS = { table = true, json = true, jsonl = true }

--- The output format of a `-o` value: {kind = "table"|"json"|"jsonl", columns = {...}|nil},
-- or nil, message.
function output.format(text)
  if text == nil then return { kind = "table" } end
  if FORMATS[text] then return { kind = text } end
  local list = text:match("^columns=(.+)$")
  if list then
    local cols = {}
    for c in list:gmatch("[^,]+") do
      if not c:find("^[%w_.]+$") then return nil, "-o columns=: '" .. c .. "' is not a field name" end
      cols[#cols + 1] = c
    end
    return { kind = "table", columns = cols }
  end
  return nil, "-o takes table, json, jsonl or columns=a,b; got '" .. text .. "'"
end

------------------------------------------------------------------------------------------------
-- JSON with a stable key order (sorted), for machines and diffs.

local null = idcloudhost.json.null
local is_array = idcloudhost.json.is_array

local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r",
  ["\t"] = "\\t" }

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return ESC[c] or string.format("\\u%04x", c:byte()) end) .. '"'
end

local function number(v)
  if v ~= v or v == math.huge or v == -math.huge then return "null" end
  if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return string.format("%d", v) end
  local s = string.format("%.14g", v)
  if tonumber(s) ~= v then s = string.format("%.17g", v) end
  return s
end

-- A table without string keys and with items 1..n is a list.
local function listy(t)
  if is_array(t) then return true end
  local n = 0
  for k in pairs(t) do
    if type(k) ~= "number" then return false end
    n = n + 1
  end
  return n > 0 and n == #t
end

local function encode(v, indent, depth, out)
  local t = type(v)
  if v == nil or v == null then out[#out + 1] = "null"
  elseif t == "boolean" then out[#out + 1] = tostring(v)
  elseif t == "number" then out[#out + 1] = number(v)
  elseif t == "string" then out[#out + 1] = quote(v)
  elseif t == "table" then
    local nl = indent and ("\n" .. string.rep(indent, depth + 1)) or ""
    local close = indent and ("\n" .. string.rep(indent, depth)) or ""
    if listy(v) then
      if #v == 0 then out[#out + 1] = "[]" return end
      out[#out + 1] = "["
      for i = 1, #v do
        out[#out + 1] = (i > 1 and "," or "") .. nl
        encode(v[i], indent, depth + 1, out)
      end
      out[#out + 1] = close .. "]"
    else
      local keys = {}
      for k, x in pairs(v) do
        if type(x) ~= "function" and type(x) ~= "userdata" or x == null then keys[#keys + 1] = tostring(k) end
      end
      table.sort(keys)
      if #keys == 0 then out[#out + 1] = "{}" return end
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        local x = v[k]
        if x == nil then x = v[tonumber(k)] end
        out[#out + 1] = (i > 1 and "," or "") .. nl .. quote(k) .. (indent and ": " or ":")
        encode(x, indent, depth + 1, out)
      end
      out[#out + 1] = close .. "}"
    end
  else
    out[#out + 1] = quote(tostring(v))
  end
end

--- v as JSON text: keys sorted; indent ("  ") pretty-prints.
function output.json(v, indent)
  local out = {}
  encode(v, indent, 0, out)
  return table.concat(out)
end

------------------------------------------------------------------------------------------------
-- Tables for people

-- A field of an object: "a.b" reaches into tables; a view's computed fields first.
local function field(obj, name, view)
  local f = view and view.fields and view.fields[name]
  if f then return f(obj) end
  local v = obj
  for part in name:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    v = v[part]
  end
  return v
end

local function cell(v)
  if v == nil or v == null then return "-" end
  if type(v) == "table" then
    if listy(v) then
      local parts = {}
      for i, x in ipairs(v) do parts[i] = type(x) == "table" and output.json(x) or tostring(x) end
      return #parts == 0 and "-" or table.concat(parts, ",")
    end
    return output.json(v)
  end
  if type(v) == "number" then return number(v) end
  return (tostring(v):gsub("%c", " "))
end

--- The lines of a table of rows (objects) under columns.
function output.table_lines(rows, columns, view)
  local widths, cells = {}, {}
  for c, name in ipairs(columns) do widths[c] = #name end
  for r, obj in ipairs(rows) do
    cells[r] = {}
    for c, name in ipairs(columns) do
      local s = cell(field(obj, name, view))
      cells[r][c] = s
      if #s > widths[c] then widths[c] = #s end
    end
  end
  local lines = {}
  local function line(values)
    local parts = {}
    for c, s in ipairs(values) do
      parts[c] = c < #values and (s .. string.rep(" ", widths[c] - #s)) or s
    end
    lines[#lines + 1] = table.concat(parts, "   ")
  end
  local head = {}
  for c, name in ipairs(columns) do head[c] = name:upper() end
  line(head)
  for _, row in ipairs(cells) do line(row) end
  return lines
end

-- The plain data of an object (its fields; what a view computes is not data).
local function plain(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do
    if type(x) ~= "function" then out[k] = plain(x) end
  end
  if listy(v) then idcloudhost.array(out) end
  return out
end
output.plain = plain

--- Prints value (an object, or a list of them when view.list) as ctx's format says, to write
-- (a function(line)).  view: columns (the default table), key (the id field), fields (computed).
function output.show(fmt, quiet, value, view, write)
  local list = view.list and value or { value }
  if quiet then
    for _, obj in ipairs(list) do write(cell(field(obj, view.key, view))) end
    return
  end
  if fmt.kind == "json" then
    write(output.json(plain(view.list and idcloudhost.array(list) or value), "  "))
  elseif fmt.kind == "jsonl" then
    for _, obj in ipairs(list) do write(output.json(plain(obj))) end
  elseif view.list or fmt.columns then
    local lines = output.table_lines(list, fmt.columns or view.columns, view)
    for _, l in ipairs(lines) do write(l) end
  else
    -- One object for people: field per line, the view's columns first.
    local names, seen = {}, {}
    for _, c in ipairs(view.columns) do names[#names + 1] = c seen[c] = true end
    local rest = {}
    for k, v in pairs(value) do
      if type(k) == "string" and not seen[k] and type(v) ~= "function" then rest[#rest + 1] = k end
    end
    table.sort(rest)
    local width = 0
    for _, n in ipairs(names) do width = math.max(width, #n) end
    for _, n in ipairs(rest) do width = math.max(width, #n) end
    for _, n in ipairs(names) do write(n .. ":" .. string.rep(" ", width - #n + 1) .. cell(field(value, n, view))) end
    for _, n in ipairs(rest) do write(n .. ":" .. string.rep(" ", width - #n + 1) .. cell(value[n])) end
  end
end

--- A report of client:leftovers() or client:bill() ready for JSON: the resource objects left out,
-- errors as text, lists marked as arrays.
function output.report(report)
  local out = {}
  for k, v in pairs(report) do out[k] = v end
  out.items = idcloudhost.array()
  for i, it in ipairs(report.items) do
    local o = {}
    for k, v in pairs(it) do if k ~= "object" then o[k] = v end end
    o.addresses = o.addresses and idcloudhost.array(o.addresses)
    out.items[i] = o
  end
  out.errors = idcloudhost.array()
  for i, e in ipairs(report.errors) do out.errors[i] = { location = e.location, what = e.what, message = tostring(e.err) } end
  out.totals = report.totals and idcloudhost.array(report.totals)
  out.by_location = report.by_location and idcloudhost.array(report.by_location)
  return out
end

--- Shows the items of a report of client:leftovers() or client:bill() on ctx as asked: their
-- ids (--quiet), the report as JSON, an item a line (jsonl), `empty` when there are none, or a
-- table of view.  True when the table was shown (the caller adds its totals below it).
function output.items(ctx, report, empty, view)
  if ctx.a.quiet then
    for _, it in ipairs(report.items) do ctx:out(tostring(it.id)) end
  elseif ctx.fmt.kind == "json" then
    ctx:out(output.json(output.report(report), "  "))
  elseif ctx.fmt.kind == "jsonl" then
    for _, it in ipairs(output.report(report).items) do ctx:out(output.json(it)) end
  elseif #report.items == 0 then
    ctx:out(empty)
  else
    ctx:show(report.items, { columns = ctx.fmt.columns or view.columns, key = "id", list = true, fields = view.fields })
    return true
  end
  return false
end

--- Notes on stderr what a report could not read (a location, a family): it is incomplete.
function output.incomplete(ctx, report)
  for _, e in ipairs(report.errors) do
    ctx:note("incomplete: " .. tostring(e.location or "") .. " " .. tostring(e.what) .. ": " .. tostring(e.err))
  end
end

return output
