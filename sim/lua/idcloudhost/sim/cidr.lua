-- IP addresses and prefixes as the platform takes them in firewall rules (endpoint_spec) and
-- service whitelists: an IPv4 or IPv6 address, or a prefix in CIDR notation ("10.0.0.0/24",
-- "2001:db8::/32"). Plain Lua (no integer-only features): any Lua 5.1-5.4 or LuaJIT.
local cidr = {}

local function ipv4(s)
  local a, b, c, d = s:match("^(%d%d?%d?)%.(%d%d?%d?)%.(%d%d?%d?)%.(%d%d?%d?)$")
  if not a then return false end
  for _, x in ipairs({ a, b, c, d }) do
    if tonumber(x) > 255 then return false end
  end
  return true
end

local function ipv6(s)
  if s:find("[^%x:%.]") or s:find(":::") then return false end
  local head, tail = s:match("^(.-)::(.*)$")
  local function groups(part)
    local n = 0
    if part == "" then return 0 end
    for g in (part .. ":"):gmatch("([^:]*):") do
      if g:find("%.") then
        if not ipv4(g) then return nil end
        n = n + 2
      elseif #g < 1 or #g > 4 then
        return nil
      else
        n = n + 1
      end
    end
    return n
  end
  if head then
    if tail:find("::") then return false end
    local h, t = groups(head), groups(tail)
    return h ~= nil and t ~= nil and h + t < 8
  end
  return groups(s) == 8
end

--- The kind of an address ("ipv4", "ipv6") or nil.
function cidr.address(s)
  if type(s) ~= "string" then return nil end
  if ipv4(s) then return "ipv4" end
  if s:find(":") and ipv6(s) then return "ipv6" end
  return nil
end

--- true when s is an address or an address/prefix-length of its family.
function cidr.valid(s)
  if type(s) ~= "string" then return false end
  local addr, len = s:match("^([^/]+)/(%d%d?%d?)$")
  if not addr then
    if s:find("/") then return false end
    return cidr.address(s) ~= nil
  end
  local kind = cidr.address(addr)
  local n = tonumber(len)
  return (kind == "ipv4" and n <= 32) or (kind == "ipv6" and n <= 128)
end

return cidr
