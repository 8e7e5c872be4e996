-- An example plugin on the idcloudhost SDK: :IdchVms lists every VM of every location into a
-- scratch buffer.  The listing runs in idcloudhost.async: the editor stays usable while the
-- locations answer (concurrently), and the message area shows how far it got; wiping the buffer
-- meanwhile cancels it.  The SDK is loaded at the first :IdchVms, not at start-up: setup() only
-- keeps the options (and tells :checkhealth idcloudhost about them).
--
--   require("idcloudhost_vms").setup { location = "cyc01" }   -- options of idcloudhost.new
--   vim.keymap.set("n", "<leader>iv", "<cmd>IdchVms<cr>", { desc = "idcloudhost: list VMs" })
local M = { options = {} }

local BUFNAME = "idcloudhost://vms"
local client, task

local function echo(text, history)
  vim.api.nvim_echo({ { text } }, history or false, {})
end

local function fail(text)
  vim.notify("idcloudhost: " .. text, vim.log.levels.ERROR)
end

--- opts: the options of idcloudhost.new (the api key from $IDCLOUDHOST_API_KEY when absent).
-- :checkhealth idcloudhost then checks these options.
function M.setup(opts)
  M.options = opts or {}
  client = nil
  -- (the health check's module only: the SDK itself waits for the first :IdchVms)
  require("idcloudhost.health").options = function() return M.options end
end

local function get_client()
  if not client then
    local err
    client, err = require("idcloudhost").new(M.options)
    if not client then return nil, err end
  end
  return client
end

local COLUMNS = "%-8s %-36s %-20s %-10s %5s %8s %s"

local function lines_of(results)
  local lines = { string.format(COLUMNS, "LOCATION", "UUID", "NAME", "STATUS", "VCPU", "RAM (MB)", "OS"), "" }
  local count = 0
  for _, r in ipairs(results) do
    if r.ok then
      for _, vm in ipairs(r.value) do
        count = count + 1
        lines[#lines + 1] = string.format(COLUMNS, r.location, tostring(vm.uuid), tostring(vm.name),
          tostring(vm.status), tostring(vm.vcpu), tostring(vm.memory), tostring(vm.os_name) .. " " .. tostring(vm.os_version))
      end
    else
      lines[#lines + 1] = string.format("%-8s error: %s", r.location, tostring(r.err))
    end
  end
  return lines, count
end

-- The scratch buffer, made or reused.  Wiping it cancels a listing in flight.
local function buffer()
  local buf = vim.fn.bufnr(BUFNAME)
  if buf < 0 then
    buf = vim.api.nvim_create_buf(true, true)
    vim.api.nvim_buf_set_name(buf, BUFNAME)
    vim.api.nvim_buf_set_option(buf, "filetype", "idcloudhost-vms")
    vim.api.nvim_create_autocmd("BufWipeout", { buffer = buf, callback = function()
      if task and task:cancel() then vim.notify("idcloudhost: listing cancelled") end
    end })
  end
  return buf
end

-- The buffer with lines, shown in a window.
local function show(lines)
  local buf = buffer()
  vim.api.nvim_buf_set_option(buf, "modifiable", true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.api.nvim_buf_set_option(buf, "modifiable", false)
  local win = vim.fn.bufwinid(buf)
  if win < 0 then vim.cmd("botright sbuffer " .. buf) end
  return buf
end

--- :IdchVms.  Returns at once; the buffer fills when every location has answered.
function M.list()
  if task and not task:done() then return echo("idcloudhost: still listing VMs") end
  local c, err = get_client()
  if not c then return fail(tostring(err)) end
  local t0 = vim.loop.hrtime()
  show({ "listing the VMs of every location..." })
  echo("idcloudhost: listing the VMs of every location...")
  task = require("idcloudhost").async(function()
    return c:each_location(function(at) return at.vms:list() end, {
      on_progress = function(done, total, location, r)
        echo(string.format("idcloudhost: %d/%d locations (%s: %s)", done, total, location.slug,
          r.ok and (#r.value .. " VMs") or "failed"))
      end,
    })
  end, function(ok, results, lerr)
    if not ok then return fail(tostring(results)) end
    if not results then
      if lerr.kind == "cancelled" then return end -- (the buffer was wiped)
      return fail(tostring(lerr))
    end
    local lines, count = lines_of(results)
    show(lines)
    echo(string.format("idcloudhost: %d VMs in %d locations (%.1f s)", count, #results,
      (vim.loop.hrtime() - t0) / 1e9), true)
  end)
end

return M
