-- Base URLs (idcloudhost.new's base_url, $IDCLOUDHOST_BASE_URL): what one must look like, and
-- why.  Loaded by options.read only when a base URL is given (a provider's own needs no check), so
-- that a process's start-up does not parse it.
local urls = {}

-- A dotted quad of four decimal numbers 0-255 without leading zeros: the one spelling of an IPv4
-- address every resolver reads alike.
local function dotted_quad(s)
  local parts = { s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$") }
  if #parts ~= 4 then return false end
  for _, p in ipairs(parts) do
    if (#p > 1 and p:sub(1, 1) == "0") or tonumber(p) > 255 then return false end
  end
  return true
end

-- Why a host is a number that resolvers read differently, or nil.  A host whose last label is
-- a number (or 0x...) is an IPv4 address to a URL parser (WHATWG), and then libcurl and
-- inet_aton read 0127.0.0.1 as octal (87.0.0.1), 0x7f.1 and 127.1 as short forms, where
-- nginx's parser reads 127.0.0.1 or nothing: only the plain dotted quad means one address.
local function ambiguous_number(host)
  local v4 = host:match("^%[.*:(%d*%.[%d.]*)%]$") -- an IPv6 address's IPv4 tail
  if not v4 and not host:find("^%[") then
    local last = host:match("([^.]*)%.?$")
    if last:find("^%d+$") or last:lower():find("^0x%x*$") then v4 = host end
  end
  if v4 and not dotted_quad(v4) then
    return "has a numeric host that resolvers read differently (leading zeros, octal, hex or short forms):"
      .. " write an IPv4 address as four decimal numbers 0-255, like 127.0.0.1"
  end
end

--- "https://host[:port]" from a base URL, or nil and what is wrong with it.  Anything after the
-- authority would silently change every path (a path, "?", "#"), and userinfo would put a
-- secret into every URL.
function urls.base_url(url)
  if url:find("%z") or url:find("%c") or url:find("%s") then return nil, "has a control character or a space" end
  local scheme, authority, rest = url:match("^(https?)://([^/?#]*)(.*)$")
  if not scheme then return nil, "must start with https:// or http://" end
  if authority:find("@", 1, true) then return nil, "must not carry a user or password" end
  local host, port = authority:match("^(%[[%x:.]+%])(.*)$")
  if not host then host, port = authority:match("^([%w.-]+)(.*)$") end
  if not host or host == "" then return nil, "has no host" end
  local why = ambiguous_number(host)
  if why then return nil, why end
  if port ~= "" then
    local n = port:match("^:(%d+)$")
    if not n or tonumber(n) < 1 or tonumber(n) > 65535 then return nil, "has a bad port" end
  end
  if rest ~= "" and not rest:find("^/+$") then
    return nil, "must have no path, query or fragment (the SDK adds /v1/...)"
  end
  return scheme .. "://" .. authority
end

return urls
