-- A raw HTTP server on Neovim's own libuv loop (127.0.0.1, a free port): for each request,
-- answer(request_head) gives the bytes written back, then the connection is closed.  It serves
-- while the loop runs (vim.wait, the spawn transport's request): the curl command is another
-- process.  Not for the C core, whose blocking calls stop this loop.
local uv = vim.uv or vim.loop

local M = {}

function M.start(answer)
  local server = uv.new_tcp()
  assert(server:bind("127.0.0.1", 0))
  assert(server:listen(64, function(err)
    if err then return end
    local client = uv.new_tcp()
    if not server:accept(client) then client:close() return end
    local buf = ""
    client:read_start(function(rerr, data)
      if rerr or not data then
        if not client:is_closing() then client:close() end
        return
      end
      buf = buf .. data
      if buf:find("\r\n\r\n", 1, true) then
        client:read_stop()
        client:write(answer(buf), function()
          client:shutdown(function() if not client:is_closing() then client:close() end end)
        end)
      end
    end)
  end))
  local s = { handle = server, port = server:getsockname().port }
  function s.stop() if not server:is_closing() then server:close() end end
  return s
end

return M
