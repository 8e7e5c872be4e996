-- Progress of long work (waits, batches) on stderr: on a terminal one live line, redrawn in
-- place (items done / total, elapsed, current status); elsewhere (a pipe, a file, cron) a plain
-- line when something changes, never a carriage return.
local progress = {}

local tty_cache

--- Whether stderr is a terminal (asked once, of the shell: plain Lua has no isatty).
function progress.is_tty()
  if tty_cache == nil then
    local r = os.execute("test -t 2")
    tty_cache = r == true or r == 0
  end
  return tty_cache
end

local function clock()
  return os.time()
end

--- A progress display for `total` items of `what` ("waiting for vm web to be running").
-- p:update(done, status) redraws; p:finish() ends the line.  opts.now: a clock (seconds).
function progress.new(what, total, opts)
  opts = opts or {}
  local p = { what = what, total = total, done = 0, tty = opts.tty, now = opts.now or clock,
    write = opts.write or function(s) io.stderr:write(s) io.stderr:flush() end }
  if p.tty == nil then p.tty = progress.is_tty() end
  p.t0 = p.now()
  local last
  function p.update(_, done, status)
    p.done = done or p.done
    local elapsed = p.now() - p.t0
    local text = string.format("%s: %d/%d done, %ds%s", p.what, p.done, p.total, elapsed,
      status and status ~= "" and (", " .. status) or "")
    if p.tty then
      p.write("\r\27[K" .. text)
      p.drawn = true
    else
      -- Plain lines only when the count or the status changes.
      local key = p.done .. "|" .. tostring(status)
      if key ~= last then p.write(text .. "\n") end
      last = key
    end
  end
  function p.finish()
    if p.tty and p.drawn then p.write("\n") end
    p.drawn = false
  end
  return p
end

return progress
