-- idcloudhost vm: virtual machines (client.vms, VM objects).
local family = require "idcloudhost.cli.family"

local fam = { name = "vm", kind = "vm", collection = "vms", key = "uuid", name_field = "name",
  summary = "virtual machines",
  columns = { "uuid", "name", "status", "vcpu", "memory", "private_ipv4", "public_ipv4" } }

local REF = { name = "VM", help = "a VM's uuid or name" }
local WAIT = { name = "wait", type = "boolean", help = "wait until it is done (progress on stderr)" }
local TIMEOUT = { name = "timeout", type = "number", arg = "SECONDS", help = "how long to wait (default 600)" }

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local s = f:read("*a")
  f:close()
  return s
end

local function usage(_, message) return nil, require("idcloudhost.cli").error("usage", message) end

local view = function(list, ctx) return family.view(fam, list, ctx) end

-- vm start|stop: a write per VM, then (--wait) one wait for them all.
-- (--owner: the VMs carrying that owner mark, in the location or, with --all-locations, in every
-- one: a schedule's cron line names an owner, not each VM)
local OWNED = { name = "VM", many = true, optional = true, help = "VMs' uuids or names (or --owner)" }
local OWNER = { name = "owner", type = "string", help = "also every VM with this owner mark (idcloudhost.new{owner =})" }

local function power_targets(ctx, a)
  local vms, err = ctx:resolve_all(fam, a.vm or {})
  if not vms then return nil, err end
  if a.owner then
    local c
    c, err = ctx:client()
    if not c then return nil, err end
    local owned
    owned, err = c.vms:find { owner = a.owner, all_locations = ctx.a.all_locations or nil }
    if not owned then return nil, err end
    for _, vm in ipairs(owned) do vms[#vms + 1] = vm end
  elseif #vms == 0 then
    return usage(ctx, "name the VMs, or give --owner")
  end
  return vms
end

local function power(verb, target, flags)
  flags[#flags + 1] = OWNER
  return { name = verb, summary = verb .. " VMs" .. (verb == "stop" and " (gracefully; --force: at once)" or ""),
    args = { OWNED }, flags = flags,
    run = function(ctx, a)
      local vms, err = power_targets(ctx, a)
      if not vms then return nil, err end
      local _, first = ctx:each(vms, verb == "stop" and "stopping" or "starting", function(vm)
        local ok, werr = ctx:write("vm " .. verb .. " " .. vm.uuid, vm[verb], vm, a.force and { force = true } or nil)
        if not ok then return nil, werr end
        return vm
      end)
      if first then return nil, first end
      if a.wait then
        local ok, werr = ctx:wait(fam, vms, target, a.timeout)
        if not ok then return nil, werr end
      end
      ctx:many(vms, view(false), function(vm) return "vm " .. vm.uuid .. " " .. tostring(vm.name) .. ": " .. tostring(vm.status) end)
      return true
    end }
end

fam.verbs = {
  "list", "get",
  { name = "create", summary = "create a VM (billed)", args = { { name = "NAME", help = "the new VM's name" } },
    help = "The password is read from stdin (--password-stdin), never from the command line.",
    flags = {
      { name = "vcpu", type = "integer", required = true, help = "virtual CPUs" },
      { name = "ram", type = "integer", arg = "MB", required = true, help = "RAM in MB" },
      { name = "disk", type = "integer", arg = "GB", help = "boot disk size in GB (default 20)" },
      { name = "os", type = "string", help = "OS name (default ubuntu; idcloudhost image list)" },
      { name = "os-version", type = "string", help = "OS version (default 22.04)" },
      { name = "username", type = "string", help = "the login (default the OS name)" },
      { name = "password-stdin", type = "boolean", help = "read the login's password from stdin" },
      { name = "public-key", type = "string", arg = "KEY", help = "an SSH public key" },
      { name = "public-key-file", type = "string", arg = "FILE", help = "a file holding an SSH public key" },
      { name = "network", type = "string", arg = "NETWORK", help = "the private network (uuid or name)" },
      { name = "account", type = "integer", arg = "ID", help = "the billing account (default the account's default)" },
      { name = "no-public-ip", type = "boolean", help = "no floating IP (one is reserved, and billed, by default)" },
      { name = "description", type = "string", help = "a description" },
      WAIT, TIMEOUT,
    },
    run = function(ctx, a)
      local p = { name = a.name, vcpu = a.vcpu, ram = a.ram, disks = a.disk or 20, os_name = a.os or "ubuntu",
        os_version = a.os_version or "22.04", billing_account_id = a.account, description = a.description }
      p.username = a.username or p.os_name
      if a.no_public_ip then p.reserve_public_ip = false end
      if a.password_stdin then
        local line = io.read("*l")
        if not line or line == "" then return usage(ctx, "--password-stdin: no password on stdin") end
        p.password = line:gsub("\r$", "")
      end
      if a.public_key_file then
        local text, ferr = read_file(a.public_key_file)
        if not text then return usage(ctx, "--public-key-file: " .. tostring(ferr)) end
        p.public_key = text:gsub("%s+$", "")
      end
      p.public_key = p.public_key or a.public_key
      if not p.password and not p.public_key then
        return usage(ctx, "vm create needs --password-stdin or --public-key(-file)")
      end
      if a.network then
        local net, nerr = ctx:resolve(require("idcloudhost.cli.commands.network").family, a.network)
        if not net then return nil, nerr end
        p.network_uuid = net.uuid
      end
      local c, err = ctx:client()
      if not c then return nil, err end
      local vm
      vm, err = ctx:write("vm create " .. a.name, c.vms.create, c.vms, p)
      if not vm then return nil, err end
      if a.wait then
        local ok, werr = ctx:wait(fam, { vm }, "running", a.timeout)
        if not ok then return nil, werr end
      end
      ctx:done(vm, view(false), "created vm " .. vm.uuid .. " " .. tostring(vm.name) .. ": " .. tostring(vm.status))
      return true
    end },
  { name = "update", summary = "rename a VM or change its size (a stopped VM's: see resize)", args = { REF },
    flags = {
      { name = "name", type = "string", help = "the new name" },
      { name = "vcpu", type = "integer", help = "virtual CPUs" },
      { name = "ram", type = "integer", arg = "MB", help = "RAM in MB" },
    },
    run = function(ctx, a)
      if a.name == nil and a.vcpu == nil and a.ram == nil then return usage(ctx, "vm update needs --name, --vcpu or --ram") end
      local vm, err = ctx:resolve(fam, a.vm)
      if not vm then return nil, err end
      local ok
      ok, err = ctx:write("vm update " .. vm.uuid, vm.update, vm, { name = a.name, vcpu = a.vcpu, ram = a.ram })
      if not ok then return nil, err end
      ctx:done(vm, view(false), "updated vm " .. vm.uuid .. " " .. tostring(vm.name))
      return true
    end },
  "delete",
  power("start", "running", { WAIT, TIMEOUT }),
  power("stop", "stopped", { { name = "force", type = "boolean", help = "stop at once, not through ACPI" }, WAIT, TIMEOUT }),
  { name = "resize", summary = "change a VM's vcpu and RAM (--restart: stop, resize, start)", args = { REF },
    flags = {
      { name = "vcpu", type = "integer", help = "virtual CPUs" },
      { name = "ram", type = "integer", arg = "MB", help = "RAM in MB" },
      { name = "restart", type = "boolean",
        help = "stop a running VM first and start it again (its power state is restored if a step fails)" },
      { name = "force", type = "boolean", help = "stop at once, not through ACPI" },
      WAIT, TIMEOUT,
    },
    run = function(ctx, a)
      if a.vcpu == nil and a.ram == nil then return usage(ctx, "vm resize needs --vcpu, --ram or both") end
      local vm, err = ctx:resolve(fam, a.vm)
      if not vm then return nil, err end
      local was = tostring(vm.status):lower()
      local ok
      ok, err = ctx:write("vm resize " .. vm.uuid, vm.resize, vm,
        { vcpu = a.vcpu, ram = a.ram, restart = a.restart or nil, force = a.force or nil, timeout = a.timeout })
      if not ok then return nil, err end
      if a.wait and a.restart and was == "running" then
        ok, err = ctx:wait(fam, { vm }, "running", a.timeout)
        if not ok then return nil, err end
      end
      ctx:done(vm, view(false), string.format("resized vm %s %s: %s vcpu, %s MB, %s", vm.uuid, tostring(vm.name),
        tostring(vm.vcpu), tostring(vm.memory), tostring(vm.status)))
      return true
    end },
  { name = "wait", summary = "wait until VMs have a status", args = { REF, { name = "STATUS", help = "running, stopped, deleted, ..." } },
    flags = { TIMEOUT },
    run = function(ctx, a)
      local vm, err = ctx:resolve(fam, a.vm)
      if not vm then return nil, err end
      local ok
      ok, err = ctx:wait(fam, { vm }, a.status, a.timeout)
      if not ok then return nil, err end
      ctx:done(vm, view(false), "vm " .. vm.uuid .. " " .. tostring(vm.name) .. ": " .. tostring(vm.status))
      return true
    end },
}

fam.delete_flags = { { name = "release-ips", type = "boolean", help = "also delete the floating IPs assigned to it" } }
fam.delete_opts = function(a) return a.release_ips and { release_ips = true } or nil end

local node = family.new(fam)
node.family = fam
return node
