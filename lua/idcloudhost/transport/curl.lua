-- The C core (idcloudhost.core, libcurl) as a transport: blocking request(), and
-- send/poll/result for schedulers over the multi interface.  One session per client family
-- (client:at shares it): one connection pool.
local core = require "idcloudhost.core"

local Curl = {}
Curl.__index = Curl

function Curl:request(req) return self.session:request(req) end
function Curl:send(req) return self.session:send(req) end
function Curl:poll(wait) return self.session:perform(wait) end
function Curl:result(id) return self.session:result(id) end
function Curl:close() self.session:close() end

local M = {}

--- A transport on a new session with the client's settings, or nil, message.
function M.new(cfg)
  local ok, session = pcall(core.session, {
    ca_file = cfg.ca_file, insecure = cfg.insecure, proxy = cfg.proxy,
    connect_timeout = cfg.connect_timeout, max_body = cfg.max_body,
  })
  if not ok then return nil, session end
  return setmetatable({ session = session }, Curl)
end

return M
