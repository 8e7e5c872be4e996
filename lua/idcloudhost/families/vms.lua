--- Virtual machines: client.vms and VM objects.  The VM's storage (replicas, disks, the deprecated
-- public IP calls) is idcloudhost.vm_storage; docs/endpoints.md maps every endpoint.
-- @module idcloudhost.families.vms

-- (Long, on purpose: the VM family's 20 endpoints and their methods' documentation.  The code of
-- a VM's actions and of create's checks is vm_actions.lua, its storage's vm_storage.lua: both load
-- at the first VM answer or method, so that start-up parses only what client.vms needs.)
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local resource = require "idcloudhost.families.kit.resource"

local VM_ANSWER = "object:uuid|success" -- the VM (elastis edition), or {"success": true} (older)

local E = resource.endpoints("vm", {
  list     = { "GET",    "user-resource/vm/list", loc = true, answer = "list:uuid" },
  get      = { "GET",    "user-resource/vm", loc = true, query = { uuid = "uuid!" }, answer = "object:uuid" },
  create   = { "POST",   "user-resource/vm", loc = true, billed = true, answer = "object:uuid", form = {
    name = "string!", os_name = "string", os_version = "string", disks = "integer",
    vcpu = "integer!", ram = "integer!", username = "string", password = "string",
    public_key = "pubkey", public_keys = "pubkeys", description = "string", backup = "boolean",
    billing_account_id = "integer", reserve_public_ip = "boolean", network_uuid = "uuid",
    cloud_init = "document", designated_pool_uuid = "uuid", disk_uuid = "uuid",
    source_uuid = "uuid", source_replica = "string",
  } },
  update   = { "PATCH",  "user-resource/vm", loc = true, answer = VM_ANSWER,
    form = { uuid = "uuid!", name = "string", vcpu = "integer", ram = "integer" } },
  delete   = { "DELETE", "user-resource/vm", loc = true, form = { uuid = "uuid!" }, answer = VM_ANSWER },
  start    = { "POST",   "user-resource/vm/start", loc = true, form = { uuid = "uuid!" }, answer = VM_ANSWER },
  stop     = { "POST",   "user-resource/vm/stop", loc = true, form = { uuid = "uuid!", force = "boolean" },
    answer = VM_ANSWER },
  -- Deprecated: gone from the 2025-12 docs (boot_media takes its place); kept while the platform answers it.
  rescue   = { "POST",   "user-resource/vm/rescue_start", loc = true, form = { uuid = "uuid!" }, answer = VM_ANSWER,
    deprecated = true },
  -- Boots once from an ISO (2025-12 edition); the docs show no answer.
  boot_media = { "POST", "user-resource/vm/boot_iso_media", loc = true, answer = "any",
    form = { uuid = "uuid!", boot_image_uuid = "uuid!", boot_image_repository = "string" } },
  clone    = { "POST",   "user-resource/vm/clone", loc = true, form = { uuid = "uuid!", name = "string!" },
    answer = "object:uuid" },
  reinstall = { "POST",  "user-resource/vm/reinstall", loc = true, answer = VM_ANSWER,
    form = { uuid = "uuid!", os_name = "string", os_version = "string" } },
  backup   = { "POST",   "user-resource/vm/backup", loc = true, form = { uuid = "uuid!" }, answer = VM_ANSWER },
  password = { "PATCH",  "user-resource/vm/user", loc = true, answer = "success",
    form = { uuid = "uuid!", username = "string!", password = "string!" } },
  pools    = { "GET",    "user-resource/host_pool/list", loc = true, answer = "list:uuid" },
})

local function summary(vm)
  local disk = type(vm.storage) == "table" and type(vm.storage[1]) == "table" and vm.storage[1].size
  return string.format("%s %q %s (%s vcpu, %s MB%s)", tostring(vm.uuid), tostring(vm.name),
    tostring(vm.status), tostring(vm.vcpu), tostring(vm.memory), disk and (", " .. disk .. " GB") or "")
end

-- (the actions and the storage methods, idcloudhost.families.vm_actions and vm_storage, load at
-- the first VM method or answer)
local VM = resource.model { name = "vm", key = "uuid", get = E.get, list = E.list, summary = summary, mark = { text = "description" },
  extend = { "idcloudhost.families.vm_actions", "idcloudhost.families.vm_storage" },
  statuses = resource.statuses { "running", "stopped", "creating", "starting", "stopping", "reinstalling",
    "rebuilding", "rescue", "cloning", "resizing", "migrating", "paused", "suspended", "pending",
    "deleting", "deleted", "error" } }

-- ---------------------------------------------------------------------------------------------
-- client.vms

--- client.vms: the virtual machines of the client's location.
-- @type client.vms

local VMs = {}

--- A vm object holding only its uuid, made without a request (by the kit:
-- resource.referrer): a call on it (`client.vms:ref(uuid):...`) is one request, and obj:reload()
-- fetches the rest.
-- @function client.vms:ref
-- @tparam string uuid the VM's uuid
-- @treturn vm the object
-- @errors invalid (a malformed uuid)
VMs.ref = resource.referrer(VM)

--- All VMs of the client's location; with {all_locations = true}, every VM of the account, each
-- tagged with its `location` slug (the platform has no call for that: each location is asked).
-- @function client.vms:list
-- @tparam[opt] table opts
-- @tparam[opt] boolean opts.all_locations every location's VMs, not only the client's
-- @treturn {vm,...} the VMs
-- @errors invalid, api, network, timeout, decode
function VMs:list(opts)
  local err
  opts, err = check.plain("vm:list", opts)
  if err then return nil, err end
  if opts ~= nil and (type(opts) ~= "table" or next(opts) ~= nil and opts.all_locations == nil) then
    return nil, errors.invalid("vm:list: the only option is all_locations")
  end
  if opts and opts.all_locations then return self.client:collect_locations("vms") end
  return resource.wrap_list(VM, self.client, self:_call(E.list))
end

--- Creates a VM.  Every parameter of the docs; cloud_init may be YAML text, JSON text or a Lua
-- table (sent as JSON text).  A VM made from stored SSH keys needs no password: ssh_keys = {key,
-- "uuid", "name"} sends each key's public key as a repeated `public_keys` field, as does
-- public_keys = {"ssh-ed25519 ...", ...}.  os_name and os_version left out (or "_custom" and "_")
-- make an empty disk to boot an installer on (vm:boot_media).
-- reserve_public_ip defaults to true on the platform: the VM gets a floating IP, billed until
-- released (vm:delete{release_ips = true} releases it with the VM).  A new VM needs a disk
-- source (disks, with or without os_name and os_version; or disk_uuid; or source_uuid with
-- source_replica) and a login (username with password, public_key, public_keys or ssh_keys; or a
-- cloud_init).  Never retried once sent: a replayed create is
-- a second VM.
-- @function client.vms:create
-- @tparam table params
-- @tparam string params.name the VM's name
-- @tparam integer params.vcpu virtual CPUs
-- @tparam integer params.ram RAM in MB (it reads back as vm.memory)
-- @tparam[opt] string params.os_name "ubuntu", "debian", ... (client.catalog:images())
-- @tparam[opt] string params.os_version "22.04", ...
-- @tparam[opt] integer params.disks size of the boot disk in GB
-- @tparam[opt] string params.username the login
-- @tparam[opt] string params.password its password
-- @tparam[opt] string params.public_key an SSH public key
-- @tparam[opt] table params.public_keys SSH public key lines, each sent as a repeated `public_keys` field
-- @tparam[opt] table params.ssh_keys stored SSH keys (client.ssh_keys): key objects, uuids or names;
-- their public keys are sent as `public_keys` (a uuid or name costs one list of the account's keys)
-- @tparam[opt] string params.description
-- @tparam[opt] boolean params.backup automatic backups
-- @tparam[opt] integer params.billing_account_id default: the account's default billing account
-- @tparam[opt=true] boolean params.reserve_public_ip give the VM a floating IP (billed)
-- @tparam[opt] string params.network_uuid the private network (default: the location's default)
-- @tparam[opt] table|string params.cloud_init cloud-init user data: YAML text ("#cloud-config ...")
-- or JSON text, sent as it is, or a table, sent as JSON text; with `users` in it, leave username out
-- @tparam[opt] string params.designated_pool_uuid the host pool (client.vms:pools(), elastis edition)
-- @tparam[opt] string params.disk_uuid boot from this unattached disk (client.disks)
-- @tparam[opt] string params.source_uuid the VM whose replica to copy (with source_replica)
-- @tparam[opt] string params.source_replica the replica's uuid (with source_uuid)
-- @treturn vm the new VM
-- @errors invalid, api, network, timeout (err.uncertain: the VM may exist), decode
function VMs:create(params)
  return require("idcloudhost.families.vm_actions").create(self, params)
end

--- Waits for many VMs (objects or uuids, any mix of locations) at once: each location's list is
-- read once per round for all of them.  target and opts as for vm:wait; returns the results in
-- item order, each {ok = true, value = vm} or {ok = false, err =} (see wait.all).
-- @function client.vms:wait_all
-- @tparam table items VMs or their uuids
-- @tparam string|table|function target as for vm:wait
-- @tparam[opt] table opts as for vm:wait
-- @treturn {table,...} results in item order, each `{ok = true, value = vm}` or `{ok = false, err = error}`
-- @errors invalid
function VMs:wait_all(items, target, opts)
  return require("idcloudhost.ops.wait").all(self.client, VM, items, target, opts) -- (loaded when first needed)
end

--- The host pools (server classes) a VM can be placed in (elastis edition): a list of
-- `{uuid, name, description, is_default_designated, created_at, updated_at}`.
-- @function client.vms:pools
-- @treturn {table,...} the pools
-- @errors invalid, api, network, timeout, decode
function VMs:pools()
  return self:_call(E.pools)
end

--- One VM by uuid.
-- Made by `resource.getter` (families/kit/resource.lua) from this family's get endpoint.
-- @function client.vms:get
-- @tparam string uuid the VM's uuid
-- @treturn vm the VM
-- @errors invalid, api (not_found: no such VM), network, timeout, decode
VMs.get = resource.getter(VM, E.get)

-- ---------------------------------------------------------------------------------------------
-- VM objects

--- A virtual machine: the platform's fields (below) and methods; the storage methods
-- (replicas, disks, public IP) are idcloudhost.vm_storage's.  `tostring(vm)` is
-- `vm 5aea1842-... "web-1" running (2 vcpu, 2048 MB, 20 GB)`.
-- @type vm

--- A VM's fields, as the platform sends them (GET user-resource/vm).  Both editions but where
-- marked; the field shows some the docs do not, and leaves out some they show.
-- @table fields
-- @tfield string uuid the VM's id, the key of every call
-- @tfield string name its name
-- @tfield string hostname
-- @tfield string status "running", "stopped", "creating", "starting", "stopping", "reinstalling",
-- "rebuilding", "rescue", ... "error"; "deleted" (or "Deleted") for a tombstone
-- @tfield integer vcpu virtual CPUs
-- @tfield integer memory RAM in MB (the parameter is `ram` in create and update)
-- @tfield string os_name "ubuntu", ...
-- @tfield string os_version "22.04", ...
-- @tfield string username the login made at creation
-- @tfield string description
-- @tfield boolean backup automatic backups on
-- @tfield integer billing_account the billing account's id (other objects call it billing_account_id)
-- @tfield string mac the MAC address
-- @tfield string private_ipv4 the address in its private network ("" while it has none)
-- @tfield[opt] string public_ipv4 its floating IP address, in billing_account:resources() (null when none)
-- @tfield[opt] string public_ipv6 its IPv6 address (elastis edition; only a VM made with a public address)
-- @tfield[opt] string designated_pool_uuid its host pool (elastis edition)
-- @tfield[opt] string designated_pool_name the pool's name (elastis edition)
-- @tfield table storage its disks, the boot disk first: a list of `{uuid, name ("sda", "vdb"),
-- size (GB), primary, type ("block"), pool, shared, replica (list of replicas), user_id, id,
-- created_at, updated_at}`
-- @tfield integer user_id the owner's user id
-- @tfield string created_at "2018-02-22 11:10:17"
-- @tfield string updated_at
-- @tfield[opt] string license_type "WINDOWS" on Windows guests (2025-12 docs); absent on Linux guests
-- @tfield[opt] integer id the platform's numeric id (the docs show it; not every deployment sends it)
-- @tfield[opt] table tags (docs only)
-- @tfield[opt] integer hypervisor_id (docs only)
-- @tfield[opt] string location set by the SDK: the location slug, on VMs of vms:list{all_locations = true}
-- @tfield[opt] boolean deleted set by the SDK: the VM reads back deleted (a tombstone), or vm:delete() succeeded

--- Fetches the VM again and updates this object in place.
-- Made by the kit: `Base:reload` in families/kit/resource.lua (the model's `get` endpoint).
-- @function vm:reload
-- @treturn vm the VM
-- @errors invalid, api (not_found: the VM is gone), network, timeout, decode

--- Changes name, vcpu and/or ram (vcpu and ram only while stopped).  Returns true.
-- @function vm:update
-- @tparam table params at least one of:
-- @tparam[opt] string params.name
-- @tparam[opt] integer params.vcpu
-- @tparam[opt] integer params.ram RAM in MB
-- @treturn boolean true; the object shows the new values
-- @errors invalid, api, network, timeout, decode

--- Deletes the VM.  Returns true.  {release_ips = true} also deletes the floating IPs assigned
-- to it (otherwise they stay reserved, and billed, after the VM is gone).
-- @function vm:delete
-- @tparam[opt] table opts
-- @tparam[opt] boolean opts.release_ips also delete its floating IPs
-- @treturn boolean true; vm.deleted is then true
-- @errors invalid, api (not_found), network, timeout, decode; a failed release says the VM is deleted

--- Starts the VM; answers the VM.
-- @function vm:start
-- @treturn vm the VM, updated in place
-- @errors invalid, api, network, timeout, decode

--- Stops the VM: gracefully through ACPI, or at once with {force = true}.
-- @function vm:stop
-- @tparam[opt] table opts
-- @tparam[opt] boolean opts.force stop at once, not through ACPI
-- @treturn vm the VM, updated in place
-- @errors invalid, api, network, timeout, decode

--- Boots the VM once from a rescue image.  Deprecated: the 2025-12 docs no longer show
-- `rescue_start`; vm:boot_media takes its place.  Kept while the platform answers it.
-- @function vm:rescue
-- @treturn vm the VM, updated in place
-- @errors invalid, api, network, timeout, decode

--- Clones the VM; returns the NEW VM.
-- @function vm:clone
-- @tparam table opts
-- @tparam string opts.name the new VM's name
-- @treturn vm the new VM
-- @errors invalid, api, network, timeout (err.uncertain: the clone may exist), decode

--- Reinstalls the OS (same one unless os_name/os_version are given).  Data on the disk is lost.
-- (elastis edition)
-- @function vm:reinstall
-- @tparam[opt] table opts
-- @tparam[opt] string opts.os_name
-- @tparam[opt] string opts.os_version
-- @treturn vm the VM, updated in place
-- @errors invalid, api, network, timeout, decode

--- Turns automatic backups on or off (whichever they are not).
-- @function vm:toggle_backup
-- @treturn vm the VM, updated in place (vm.backup)
-- @errors invalid, api, network, timeout, decode

--- Sets a user's password (the VM must be running).  Returns true.
-- @function vm:set_password
-- @tparam table opts
-- @tparam string opts.username
-- @tparam string opts.password
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode

--- Changes vcpu and/or ram.  The platform resizes a stopped VM only: with {restart = true} a
-- running VM is stopped, waited for, resized and started again (not waited for); if a step after
-- the stop fails the VM is started again (err.restarted says whether that worked).  Without
-- restart it is vm:update{vcpu =, ram =}.  A stopped VM stays stopped.
-- @function vm:resize
-- @tparam table opts
-- @tparam[opt] integer opts.vcpu virtual CPUs
-- @tparam[opt] integer opts.ram RAM in MB
-- @tparam[opt=false] boolean opts.restart stop a running VM first and start it again after
-- @tparam[opt=false] boolean opts.force stop at once, not through ACPI
-- @tparam[opt=600] number opts.timeout seconds to wait for the VM to stop
-- @treturn vm the VM, updated in place
-- @errors invalid (no vcpu or ram, a bad value), api, network, timeout, decode; after the stop: err.restarted

--- The floating IPs assigned to this VM (floating IP objects, see client.floating_ips).
-- @function vm:floating_ips
-- @treturn {floating_ip,...} the VM's floating IPs
-- @errors invalid, api, network, timeout, decode

--- vm:wait(target, opts): polls until the VM's status is target ("running", a list of statuses,
-- or a function of the VM).  opts: timeout (600 s), interval (first delay, grows to max_interval),
-- on_progress(vm, elapsed), fail_on.  Returns the VM, or nil, err (kind "timeout", last_status).
-- Errors while polling (network, timeout, 5xx, 429) are polled through; a VM that disappears
-- ends the wait with not_found, unless "deleted" is awaited.
-- @function vm:wait
-- @tparam string|table|function target a status, a list of them, or `function(vm)` returning true when done
-- @tparam[opt] table opts
-- @tparam[opt=600] number opts.timeout seconds in all
-- @tparam[opt=2] number opts.interval first delay in seconds
-- @tparam[opt=30] number opts.max_interval longest delay
-- @tparam[opt=1.5] number opts.backoff growth of the delay
-- @tparam[opt] string|table opts.fail_on statuses that end the wait at once, as an error
-- @tparam[opt] function opts.sleep `function(seconds)`
-- @tparam[opt] function opts.on_progress `function(vm, elapsed)` after each poll
-- @treturn vm the VM, updated
-- @errors invalid (an unknown status), timeout (err.last_status), api (not_found; or a fail_on status), network, decode

--- Boots the VM once from an ISO: a platform image (client.catalog:boot_images()) or, with
-- repository = "private", a disk of the account made read-only bootable (client.disks, holding an
-- ISO 9660 file system).  The next start boots as usual.  (2025-12 edition; it replaces
-- vm:rescue.)  The docs show no answer (nor a status): the VM when one comes, else this object as
-- it was; `boot_image_uuid` is always sent (the docs' table requires it, their example omits it).
-- @function vm:boot_media
-- @tparam table opts
-- @tparam table|string opts.image the image or disk (an object or its uuid)
-- @tparam[opt="platform"] string opts.repository "platform" or "private"
-- @treturn vm the VM (updated in place when the platform answers it)
-- @errors invalid, api, network, timeout, decode

--- The firewalls guarding this VM (firewall objects, see client.firewalls).  One request: the
-- location's firewalls.
-- @function vm:firewalls
-- @treturn {firewall,...} its firewalls
-- @errors invalid, api, network, timeout, decode

return {
  new = resource.collection(VMs),
  model = VM,
  endpoints = E,
}
