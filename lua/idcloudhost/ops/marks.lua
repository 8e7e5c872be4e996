-- Owner marks: who made a resource, kept where the platform keeps free text.
--
-- The platform has no labels (`tags: null`), so a mark lives in a field the platform keeps as it
-- was written:
--
--   * a family with free text (a VM's or a firewall's `description`): the user's own text, a
--     space, then the marker `[idch:1 owner=nightly env=prod]`.  `idch:1` is the format's version; the words
--     after it are `owner=<owner>` then the labels, `key=value`, sorted by key.  A text without a
--     marker reads as unmarked.
--   * a family without free text (networks, floating IPs, load balancers, buckets, SSH keys,
--     services): the name convention `<name>--own-<owner>` (labels cannot be kept there: asking
--     for them is `invalid`).  `web--own-nightly` reads as name `web`, owner `nightly`.
--
-- An owner is 1 to 40 of `a-z 0-9 -`, starting with a letter or digit, without `--`; a label's
-- key and value are 1 to 40 of `A-Z a-z 0-9 _ . -` (a key is never `owner`).
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"

local marks = {}

marks.VERSION = 1
marks.NAME_SEP = "--own-"

local function valid_owner(o)
  return type(o) == "string" and #o <= 40 and o:match("^[a-z0-9][a-z0-9%-]*$") ~= nil and not o:find("--", 1, true)
end

local function valid_word(w)
  return type(w) == "string" and #w >= 1 and #w <= 40 and w:match("^[%w_%.%-]+$") ~= nil
end

--- Checks an owner and labels; nil or an `invalid` error.
function marks.check(what, owner, labels, by_name)
  if owner ~= nil and not valid_owner(owner) then
    return errors.invalid(what .. ": owner must be 1 to 40 of a-z, 0-9 and '-' (no '--'), got "
      .. string.format("%q", tostring(owner)), "owner")
  end
  if labels ~= nil then
    if type(labels) ~= "table" then return errors.invalid(what .. ": labels must be a table {key = value}", "labels") end
    if by_name and next(labels) ~= nil then
      return errors.invalid(what .. ": this family has no free-text field: only an owner can be marked (in its name), not labels", "labels")
    end
    if next(labels) ~= nil and owner == nil then
      return errors.invalid(what .. ": labels need an owner", "labels")
    end
    for k, v in pairs(labels) do
      if k == "owner" or not valid_word(k) or not valid_word(v) then
        return errors.invalid(what .. ": a label is key = value, each 1 to 40 of A-Z a-z 0-9 _ . - (key not 'owner'): "
          .. tostring(k) .. " = " .. tostring(v), "labels")
      end
    end
  end
end

-- The marker of owner and labels: "[idch:1 owner=o k=v ...]".
function marks.marker(owner, labels)
  local words = { "[idch:" .. marks.VERSION, "owner=" .. owner }
  local keys = {}
  for k in pairs(labels or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do words[#words + 1] = k .. "=" .. labels[k] end
  return table.concat(words, " ") .. "]"
end

--- Reads a free text: its user part, the owner and the labels (nil, nil when unmarked).
function marks.read_text(text)
  -- (every object of a marked family is read here: a text without the marker costs one find)
  if type(text) ~= "string" or not text:find("[idch:", 1, true) then return text end
  local before, body = text:match("^(.-)%s*%[idch:1 ([^%]]*)%]$")
  if not body then return text end
  local owner, labels = nil, {}
  for k, v in body:gmatch("([^%s=]+)=([^%s]+)") do
    if k == "owner" then owner = v else labels[k] = v end
  end
  if not owner then return text end
  return before, owner, labels
end

--- A free text with the marker: the user's text kept before it (any old marker replaced).
function marks.write_text(text, owner, labels)
  local user = marks.read_text(text)
  local m = marks.marker(owner, labels)
  if user == nil or user == "" then return m end
  return user .. " " .. m
end

--- Reads a marked name: the name given and the owner (nil when unmarked).
function marks.read_name(name)
  if type(name) ~= "string" then return name end
  local base, owner = name:match("^(.+)%-%-own%-([a-z0-9][a-z0-9%-]*)$")
  if base and valid_owner(owner) then return base, owner end
  return name
end

--- A name carrying owner (nil owner: the name as given).
function marks.write_name(name, owner)
  if owner == nil or type(name) ~= "string" then return name end
  return marks.read_name(name) .. marks.NAME_SEP .. owner
end

--- The name a resource was given (its mark left out).
function marks.name_of(obj, field)
  local v = obj[field or "name"]
  if field == nil or type(obj.owner) ~= "string" then return v end
  local base, owner = marks.read_name(v)
  if owner == obj.owner then return base end
  return v
end

return marks
