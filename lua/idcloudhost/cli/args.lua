-- The command line, read against the declaration tables (idcloudhost.cli.commands): the same
-- tables give the dispatcher its commands, `--help` its text at every level, and the completion
-- scripts their words.
--
-- A node: {name, summary, help (more text), args = {{name =, help =, many =, optional =}},
-- flags = {{name =, short =, type = "boolean"|"string"|"integer"|"number", help =, arg =}},
-- run = function(ctx, a)} for a command, or {name, summary, children = {node, ...}} for a group
-- (a family: `vm`, whose children are its verbs).
local args = {}

--- The flags every command takes.
args.GLOBAL = {
  { name = "location", short = "l", type = "string", arg = "SLUG",
    help = "the location (default $IDCLOUDHOST_LOCATION, the profile's, the account's)" },
  { name = "all-locations", type = "boolean", help = "every location: lists all, finds names in all" },
  { name = "profile", type = "string", arg = "NAME", help = "a profile of ~/.config/idcloudhost/config.lua ($IDCLOUDHOST_PROFILE)" },
  { name = "output", short = "o", type = "string", arg = "FORMAT", help = "table (default), json, jsonl or columns=a,b" },
  { name = "quiet", short = "q", type = "boolean", help = "print ids only (for xargs)" },
  { name = "help", short = "h", type = "boolean", help = "this help" },
  { name = "version", type = "boolean", help = "the SDK's version" },
}

-- The command's own errors, shaped like the SDK's: kind, message, tostring.
args.Error = { __tostring = function(e) return "idcloudhost: " .. e.kind .. ": " .. e.message end }

local function usage_error(message)
  return nil, setmetatable({ kind = "usage", message = message }, args.Error)
end

local function child(node, word)
  for _, c in ipairs(node.children or {}) do
    if c.name == word then return c end
    for _, alias in ipairs(c.aliases or {}) do
      if alias == word then return c end
    end
  end
end

local function find_flag(node, name, short)
  for _, list in ipairs { node.flags or {}, args.GLOBAL } do
    for _, f in ipairs(list) do
      if (name and f.name == name) or (short and f.short == short) then return f end
    end
  end
end

local function key_of(f) return (f.name:gsub("-", "_")) end

local function convert(f, text, shown)
  if f.type == "integer" then
    local n = tonumber(text)
    if not n or n ~= math.floor(n) or not text:find("^%-?%d+$") then
      return usage_error(shown .. " takes a whole number, got '" .. text .. "'")
    end
    return n
  elseif f.type == "number" then
    local n = tonumber(text)
    if not n or n ~= n then return usage_error(shown .. " takes a number, got '" .. text .. "'") end
    return n
  end
  return text
end

--- Reads argv against the tree: node (the command reached), path (its words), a (flags by name
-- with "-" as "_", positionals in a.args), or nil, err (kind "usage").  --help stops at the
-- node reached so far and sets a.help.
function args.parse(root, argv)
  local node, path, a = root, {}, { args = {} }
  local i, dashdash = 1, false
  while i <= #argv do
    local tok = argv[i]
    if not dashdash and tok == "--" then
      dashdash = true
    elseif not dashdash and tok:sub(1, 1) == "-" and tok ~= "-" then
      local name, value = tok:match("^%-%-([%w-]+)=(.*)$")
      local short
      if not name then name = tok:match("^%-%-([%w-]+)$") end
      if not name then short = tok:match("^%-(%w)$") end
      if not name and not short then
        -- -ojson, -l jkt01
        short, value = tok:match("^%-(%w)(.+)$")
      end
      local f = (name or short) and find_flag(node, name, short)
      if not f then
        if a.help then return node, path, a end
        return usage_error("unknown flag " .. tok .. (#path > 0 and (" for '" .. table.concat(path, " ") .. "'") or "")
          .. ": see --help")
      end
      local shown = "--" .. f.name
      if f.type == "boolean" then
        if value ~= nil then return usage_error(shown .. " takes no value") end
        a[key_of(f)] = true
        if f.name == "help" then a.help = true end
      else
        if value == nil then
          i = i + 1
          value = argv[i]
          if value == nil then return usage_error(shown .. " needs a value") end
        end
        local v, err = convert(f, value, shown)
        if v == nil then return nil, err end
        a[key_of(f)] = v
      end
    elseif node.children and #a.args == 0 then
      local c = child(node, tok)
      if not c then
        if a.help then return node, path, a end
        return usage_error("unknown command '" .. tok .. "'" .. (#path > 0 and (" for '" .. table.concat(path, " ") .. "'") or "")
          .. ": see " .. table.concat(path, " ") .. (#path > 0 and " " or "") .. "--help")
      end
      node = c
      path[#path + 1] = tok
    else
      a.args[#a.args + 1] = tok
    end
    i = i + 1
  end
  return node, path, a
end

--- The positionals of a by the node's declaration (a[name] = value, or a list for `many`), or
-- nil, err.
function args.bind(node, path, a)
  local decl = node.args or {}
  local n = 0
  for k, d in ipairs(decl) do
    local key = d.key or d.name:lower():gsub("[^%w]", "_")
    if d.many then
      local list = {}
      for j = k, #a.args do list[#list + 1] = a.args[j] end
      if #list == 0 and not d.optional then return usage_error("'" .. table.concat(path, " ") .. "' needs " .. d.name) end
      a[key] = list
      n = #a.args
    else
      local v = a.args[k]
      if v == nil and not d.optional then
        return usage_error("'" .. table.concat(path, " ") .. "' needs " .. d.name .. ": see --help")
      end
      a[key] = v
      n = math.max(n, k)
    end
  end
  if #a.args > n then
    return usage_error("'" .. table.concat(path, " ") .. "' takes " .. (#decl == 0 and "no arguments" or
      ("at most " .. #decl .. " argument" .. (#decl == 1 and "" or "s"))) .. ", got '" .. a.args[n + 1] .. "'")
  end
  for _, f in ipairs(node.flags or {}) do
    if f.required and a[key_of(f)] == nil then return usage_error("'" .. table.concat(path, " ") .. "' needs --" .. f.name) end
  end
  return a
end

------------------------------------------------------------------------------------------------
-- Help, from the same tables

local function synopsis(node)
  local parts = {}
  for _, d in ipairs(node.args or {}) do
    local s = d.name .. (d.many and "..." or "")
    parts[#parts + 1] = d.optional and ("[" .. s .. "]") or s
  end
  return table.concat(parts, " ")
end

local function flag_lines(list, out)
  local rows, width = {}, 0
  for _, f in ipairs(list) do
    local left = (f.short and ("-" .. f.short .. ", ") or "    ") .. "--" .. f.name
      .. (f.type ~= "boolean" and (" " .. (f.arg or f.type:upper())) or "")
    rows[#rows + 1] = { left, f.help or "" }
    width = math.max(width, #left)
  end
  for _, r in ipairs(rows) do out[#out + 1] = "  " .. r[1] .. string.rep(" ", width - #r[1] + 3) .. r[2] end
end

--- The help text of node (reached by path).
function args.help(node, path)
  local out = {}
  local cmd = "idcloudhost" .. (#path > 0 and (" " .. table.concat(path, " ")) or "")
  if node.children then
    out[#out + 1] = "usage: " .. cmd .. " COMMAND [flags]"
  else
    local syn = synopsis(node)
    out[#out + 1] = "usage: " .. cmd .. (syn ~= "" and (" " .. syn) or "") .. " [flags]"
  end
  out[#out + 1] = ""
  out[#out + 1] = node.summary or ""
  if node.help then out[#out + 1] = "" for l in (node.help .. "\n"):gmatch("(.-)\n") do out[#out + 1] = l end end
  if node.children then
    out[#out + 1] = ""
    out[#out + 1] = "Commands:"
    local width = 0
    for _, c in ipairs(node.children) do width = math.max(width, #c.name) end
    for _, c in ipairs(node.children) do
      out[#out + 1] = "  " .. c.name .. string.rep(" ", width - #c.name + 3) .. (c.summary or "")
    end
  end
  if node.args and #node.args > 0 then
    out[#out + 1] = ""
    out[#out + 1] = "Arguments:"
    local width = 0
    for _, d in ipairs(node.args) do width = math.max(width, #d.name + (d.many and 3 or 0)) end
    for _, d in ipairs(node.args) do
      local n = d.name .. (d.many and "..." or "")
      out[#out + 1] = "  " .. n .. string.rep(" ", width - #n + 3) .. (d.help or "")
    end
  end
  if node.flags and #node.flags > 0 then
    out[#out + 1] = ""
    out[#out + 1] = "Flags:"
    flag_lines(node.flags, out)
  end
  out[#out + 1] = ""
  out[#out + 1] = "Global flags:"
  flag_lines(args.GLOBAL, out)
  if node.children then
    out[#out + 1] = ""
    out[#out + 1] = "'" .. cmd .. " COMMAND --help' tells more about a command."
  end
  if #path == 0 then
    out[#out + 1] = ""
    out[#out + 1] = "Exit status: 0 ok, 1 the platform answered an error, 2 usage or invalid input (nothing sent),"
    out[#out + 1] = "3 not found, 4 network or timeout, 5 a write that may have been carried out (check before"
    out[#out + 1] = "retrying), 6 conflict (two resources carry one name and owner: nothing changed), 130 interrupted."
  end
  return table.concat(out, "\n") .. "\n"
end

return args
