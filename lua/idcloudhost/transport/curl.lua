-- The C core (idcloudhost.core, libcurl) as a transport: blocking request(), and
-- send/poll/result for schedulers over the multi interface.  One session per client family
-- (client:at shares it): one connection pool.
local core = require "idcloudhost.core"

local Curl = {}
Curl.__index = Curl

function Curl:request(req) return self.session:request(req) end
function Curl:send(req) return self.session:send(req) end

-- Ids that ended and whose result is not taken yet, every time: two schedulers may share this
-- session (a Neovim task and a batch outside it), each taking only its own ids, and perform
-- names an id once.  perform still waits for one that ends now, so a poll never spins.
function Curl:poll(wait)
  local ended = self.ended
  local got, fd, ms = self.session:perform(wait)
  local none = next(ended) == nil
  for _, id in ipairs(got) do ended[id] = true end
  local watch = self.watch
  if watch then
    -- Once wakeup was called, perform follows the sockets itself and says what wakeup would:
    -- the loop is told only when the descriptor to watch appears.
    if ms == nil or (fd and fd ~= self.fd) then
      watch(self)
    elseif fd then
      self.ms = ms
    else
      self.ms = ms >= 0 and ms or false
    end
  end
  -- (nothing left over from before, the rule: perform's own list is the answer, no copy)
  if none then return got end
  local ids = {}
  for id in pairs(ended) do ids[#ids + 1] = id end
  return ids
end

--- Drops a transfer, in flight or ended: it leaves the multi handle; its result is never given.
function Curl:cancel(id)
  self.ended[id] = nil
  self.session:cancel(id)
  if self.watch then self.watch(self) end
end

--- For an event loop that wakes on readiness (Neovim's): a descriptor readable while a socket
-- of the transfers in flight is ready (nil when none is known, or off Linux), and the
-- milliseconds until libcurl wants a poll anyway (-1: none); see session:wakeup.  The loop sets
-- transport.watch = function(transport, closing), which calls wakeup and sets transport.fd (the
-- descriptor it watches) and transport.ms (ms, or false: none known, poll blindly).  From then
-- on every poll keeps transport.ms current and calls watch when the descriptor appears (perform
-- follows libcurl's sockets itself); every cancel calls it, and close before closing.
-- false with a core that cannot say.
function Curl:wakeup()
  local s = self.session
  if not s.wakeup then return false end
  return s:wakeup()
end

function Curl:result(id)
  self.ended[id] = nil
  return self.session:result(id)
end

function Curl:close()
  if self.watch then self.watch(self, true) end -- (its descriptor dies with the session)
  self.session:close()
end

local M = {}

--- A transport on a new session with the client's settings, or nil, message.
function M.new(cfg)
  local ok, session = pcall(core.session, {
    ca_file = cfg.ca_file, insecure = cfg.insecure, proxy = cfg.proxy,
    connect_timeout = cfg.connect_timeout, max_body = cfg.max_body,
  })
  if not ok then return nil, session end
  return setmetatable({ session = session, ended = {} }, Curl)
end

return M
