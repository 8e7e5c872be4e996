-- Keeping secrets out of what the SDK shows: errors, hook records, the debug log.
--  * the api key: replaced wherever it appears, in any string, however deep;
--  * passwords and token secrets: masked by field name in request and answer bodies (form or
--    JSON text), for hook records and the debug log.
local secrets = {}

local MASK = "[redacted]"

--- A function that replaces every occurrence of key in a string (other values pass through).
-- key is never empty (options.read refuses it), so the scan always moves forward.
function secrets.redactor(key)
  return function(s)
    if type(s) ~= "string" then return s end
    local i, j = s:find(key, 1, true)
    if not i then return s end
    local out, from = {}, 1
    while i do
      out[#out + 1] = s:sub(from, i - 1)
      out[#out + 1] = MASK
      from = j + 1
      i, j = s:find(key, from, true)
    end
    out[#out + 1] = s:sub(from)
    return table.concat(out)
  end
end

--- Applies redact to every string in v, in place; returns v.  Nested tables (what a server
-- sent) get their keys redacted too; the top level's are the SDK's own field names, which a
-- short key must not mangle.
function secrets.deep(v, redact, seen)
  if type(v) == "string" then return redact(v) end
  if type(v) ~= "table" then return v end
  local top = seen == nil
  seen = seen or {}
  if seen[v] then return v end
  seen[v] = true
  local moves = {}
  for k, x in pairs(v) do
    local nk = (not top and type(k) == "string") and redact(k) or k
    local nx = secrets.deep(x, redact, seen)
    if nk ~= k or nx ~= x then moves[#moves + 1] = { k, nk, nx } end
  end
  for _, m in ipairs(moves) do
    v[m[1]] = nil
    v[m[2]] = m[3]
  end
  return v
end

--- redact, and also every value in `values` (a call's passwords: a server may echo the request
-- back in an error).
function secrets.also(redact, values)
  local more = {}
  for i, v in ipairs(values) do more[i] = secrets.redactor(v) end
  return function(s)
    s = redact(s)
    for _, r in ipairs(more) do s = r(s) end
    return s
  end
end

-- Fields whose values are secrets wherever they travel: passwords (any field naming one, and
-- a managed service's `sql_pass`: any name ending in `_pass`), token secrets (`token`), S3
-- secret keys, a card's processor token.
local function secret_name(name)
  if type(name) ~= "string" then return false end
  name = name:lower()
  return name:find("password", 1, true) ~= nil or name == "token" or name == "secretkey"
    or name == "secret_key" or name == "secret" or name:find("_pass$") ~= nil
end

-- The end of the JSON string whose opening quote is at i (the index of the closing quote).
local function string_end(text, i)
  local j = i + 1
  while true do
    local c = text:find('["\\]', j)
    if not c then return #text end
    if text:sub(c, c) == '"' then return c end
    j = c + 2
  end
end

local function mask_json(text)
  local out, from, pos = {}, 1, 1
  while true do
    local q = text:find('"', pos, true)
    if not q then break end
    local e = string_end(text, q)
    local name = text:sub(q + 1, e - 1)
    local vq = text:match("^%s*:%s*()\"", e + 1)
    if vq and secret_name(name) then
      local ve = string_end(text, vq)
      out[#out + 1] = text:sub(from, vq)
      out[#out + 1] = MASK
      from = ve
      pos = ve + 1
    else
      pos = e + 1
    end
  end
  out[#out + 1] = text:sub(from)
  return table.concat(out)
end

local function mask_form(text)
  return (text:gsub("([^&=]+)=([^&]*)", function(k, v)
    if secret_name(k) then return k .. "=" .. MASK end
    return k .. "=" .. v
  end))
end

--- text with the values of secret fields masked: JSON members (`"password": "..."`) in JSON
-- text, form fields (`password=...`) otherwise.
function secrets.mask(text)
  if type(text) ~= "string" or text == "" then return text end
  local lower = text:lower()
  if not (lower:find("pass", 1, true) or lower:find("token", 1, true) or lower:find("secret", 1, true)) then
    return text
  end
  if text:find("^%s*[{%[]") then return mask_json(text) end
  return mask_form(text)
end

secrets.MASK = MASK
secrets.is_secret = secret_name
return secrets
