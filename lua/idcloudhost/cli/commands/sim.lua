-- idcloudhost sim: runs the simulator (bin/idcloudhost-sim, the idcloudhost-sim rock) in the
-- foreground, so that every command can be tried against it.
local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
end

-- The simulator command: beside this command (a checkout, make install), else on the PATH.
local function find()
  local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$")
  if dir and exists(dir .. "/idcloudhost-sim") then return dir .. "/idcloudhost-sim" end
  local p = io.popen("command -v idcloudhost-sim 2>/dev/null")
  local found = p and p:read("*l")
  if p then p:close() end
  if found and found ~= "" then return found end
end

return { name = "sim", summary = "run the local simulator of the platform (the idcloudhost-sim rock)",
  help = "Then, in another shell: export IDCLOUDHOST_BASE_URL=http://127.0.0.1:PORT IDCLOUDHOST_API_KEY=demo-key",
  flags = { { name = "port", type = "integer", arg = "N", help = "the port (default 8090; 0: any free one)" } },
  run = function(ctx, a)
    local cmd = find()
    if not cmd then
      return nil, require("idcloudhost.cli").error("usage",
        "sim: idcloudhost-sim is not installed (luarocks install idcloudhost-sim, or make install-sim)")
    end
    local port = a.port or 8090
    ctx:note("simulator: export IDCLOUDHOST_BASE_URL=http://127.0.0.1:" .. (port == 0 and "PORT" or port)
      .. " IDCLOUDHOST_API_KEY=demo-key" .. (port == 0 and " (PORT: the one it listens on)" or ""))
    local r, _, code = os.execute(quote(cmd) .. " --port " .. port)
    if r == true or r == 0 then return true end
    return tonumber(code) or 1
  end }
