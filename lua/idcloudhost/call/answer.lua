-- Answers: what each endpoint returns (call/endpoint.lua parses its `answer` declaration), and
-- the error value of a 2xx answer that is not that.  The pipeline reads every 2xx through here.
local errors = require "idcloudhost.call.errors"
local json = require "idcloudhost.json"

local answer_mod = {}

local ARRAY = getmetatable(json.array()) -- json.is_array(t): getmetatable(t) == ARRAY
local decode_text = json._decode_text -- (json.decode without its check of the type: a body is a string)

local function describe(v)
  local t = type(v)
  if t == "string" then return string.format("a JSON string (%q)", #v > 40 and v:sub(1, 40) .. "..." or v) end
  if t == "number" then return "a JSON number (" .. tostring(v) .. ")" end
  if v == nil or v == json.null then return "null" end
  if t == "boolean" then return tostring(v) end
  if json.is_array(v) then return #v == 0 and "an empty list" or "a list" end
  return "an object"
end

-- An object's key as the platform sends it: ids are numbers, uuids, addresses and names
-- non-empty strings; any other declared field (a report's `account`) only has to be there.
local STRING_KEYS = { uuid = true, address = true, name = true, slug = true, accessKey = true, url = true }
-- key -> "number", "string" or "any", worked out once per key (a list checks every item).
local KINDS = setmetatable({}, { __index = function(kinds, key)
  local kind = (key == "id" or key:find("_id$")) and "number"
    or (STRING_KEYS[key] or key:find("_uuid$")) and "string" or "any"
  kinds[key] = kind
  return kind
end })

local function keyed(obj, key)
  local v, kind = obj[key], KINDS[key]
  if kind == "number" then return type(v) == "number" end
  if kind == "string" then return type(v) == "string" and v ~= "" end
  return v ~= nil
end

-- The first item of list that is not an object with key (true: any object), and why; nil when
-- all are.  Inlined: a list of 10,000 VMs runs it 10,000 times.
local function bad_item(list, key)
  local kind = key ~= true and KINDS[key]
  for i = 1, #list do
    local item = list[i]
    if type(item) ~= "table" or getmetatable(item) == ARRAY then return i, describe(item) end
    if kind then
      local v = item[key]
      if kind == "number" then
        if type(v) ~= "number" then return i end
      elseif kind == "string" then
        if type(v) ~= "string" or v == "" then return i end
      elseif v == nil then
        return i
      end
    end
  end
end

-- data if it has the shape `answer` declares, else nil and what came instead.
local function shape(answer, data)
  if answer.any then
    if data == nil or data == false or data == json.null then return nil, describe(data) end
    return data
  end
  if type(data) ~= "table" or data == json.null then
    if data == true and answer.success then return true end
    return nil, describe(data)
  end
  if getmetatable(data) == ARRAY then
    local key = answer.list
    if not key then return nil, describe(data) end
    local i, what = bad_item(data, key)
    if i then return nil, "a list whose item " .. i .. " is " .. (what or ("an object without " .. key)) end
    return data
  end
  if answer.success and data.success ~= nil and (not answer.object or data[answer.object] == nil) then
    if data.success == true then return true end
    return nil, "success = " .. tostring(data.success), true
  end
  local key = answer.object
  if key and (key == true or keyed(data, key)) then return data end
  return nil, key and key ~= true and ("an object without " .. key) or describe(data)
end

-- The platform's id of a request, for support tickets: read when an error or an observer needs
-- it (a transport's headers may be built on first read, see src/xfer.c).
function answer_mod.request_id(res)
  return res and res.headers["x-warren-correlation-id"] or nil
end

-- The value of a 2xx answer, or nil and what is wrong with it (and true: the platform refused).
function answer_mod.read(answer, res)
  local text = res.body
  -- The decoder raises only when memory runs out: an answer, not a crash, all the same.
  local ok, data, why = pcall(decode_text, text)
  if not ok then data, why = nil, data end
  if data == nil and why then
    -- (blank text is no JSON: asked for only when the decoder refused it)
    if not text:find("%S") then
      if answer.success or answer.any then return true end
      why = "an empty answer"
    else
      why = text:find("^%s*<") and "an HTML page instead of JSON" or ("malformed JSON (" .. tostring(why) .. ")")
    end
  else
    return shape(answer, data)
  end
  return nil, why
end

-- The error value of a 2xx answer that read() found wrong.
function answer_mod.misread(answer, res, ctx, write, why, refused)
  if refused then
    return errors.new { kind = "api", status = res.status, message = "the platform answered " .. why,
      method = ctx.method, path = ctx.path, request_id = ctx.request_id, attempts = ctx.attempts }
  end
  return errors.decode("the answer is " .. why .. ", not " .. answer.text
    .. (write and ": the request was accepted, check its effect before sending it again" or ""),
    { status = res.status, method = ctx.method, path = ctx.path, request_id = ctx.request_id,
      attempts = ctx.attempts, uncertain = write or nil })
end

return answer_mod
