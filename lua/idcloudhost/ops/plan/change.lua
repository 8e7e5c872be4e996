-- What differs between a resource and what was asked, and the calls that bring it there: one
-- copy, used by a plan's update actions (ops/plan.lua) and by ensure{update = true}
-- (ops/ensure.lua).  Per family:
--
--   differs(obj, want) -> a list of {field =, text =, remove = true?}: what can change in place
--     and differs ("remove": taking something away, a VM's data disk: destroys data, done only
--     when the caller allows it);
--   fixed(obj, want) -> a list of {field =, text =}: what differs and cannot change in place (a
--     replace: delete and create);
--   bring(obj, want, opts) -> obj, changed | nil, err: the calls for what differs (opts.remove:
--     also what takes something away).
--
-- `want` holds resolved values, each left out when not asked (then never compared):
--   vms             vcpu, ram, disks (the boot disk's size), data_disks ({50, 100}: the sizes of
--                   the disks after the boot disk, in the VM's order), os_name, os_version,
--                   description (the user's text), labels, network ({name =, members = the
--                   network's vm_uuids}: the VM shows no network of its own)
--   firewalls       description (the user's text), rules (as firewalls:create takes them), vm_uuids
--   load_balancers  rules ({source_port =, target_port =}), target_uuids, network_uuid (fixed)
--   ssh_keys        public_key
--   buckets         billing_account_id
-- A uuid that is not yet known (a VM still to be made) is any string that matches nothing
-- ("(new web-1)"): it differs, and is resolved again when the action runs.
local firewalls = require "idcloudhost.families.firewalls"
local marks = require "idcloudhost.ops.marks"

local change = {}

------------------------------------------------------------------------------------------------
-- Helpers

local function list_of(t)
  return type(t) == "table" and t or {}
end

local function same_set(a, b)
  if #a ~= #b then return false end
  local seen = {}
  for _, v in ipairs(a) do seen[v] = (seen[v] or 0) + 1 end
  for _, v in ipairs(b) do
    if not seen[v] or seen[v] == 0 then return false end
    seen[v] = seen[v] - 1
  end
  return true
end
change.same_set = same_set

local function same(v) return v end
local function lower(v) return tostring(v):lower() end

-- Makes a set the platform holds (held) hold what is wanted: remove(h) for each held item whose
-- key is not wanted, then add(w) for each wanted one not held (keys: key_held, key_wanted).
-- Returns whether anything changed, or nil, err at the first failing call.
local function sync(held, wanted, key_held, key_wanted, remove, add_one)
  local want, have, changed = {}, {}, false
  for _, w in ipairs(wanted) do want[key_wanted(w)] = true end
  for _, h in ipairs(held) do
    local k = key_held(h)
    have[k] = true
    if not want[k] then
      local ok, err = remove(h)
      if not ok then return nil, err end
      changed = true
    end
  end
  for _, w in ipairs(wanted) do
    local k = key_wanted(w)
    if not have[k] then
      local ok, err = add_one(w)
      if not ok then return nil, err end
      have[k], changed = true, true
    end
  end
  return changed
end

local function add(out, field, text, remove)
  out[#out + 1] = { field = field, text = text, remove = remove }
end

-- The user's part of a marked free text ("" for none).
local function user_text(v)
  local text = marks.read_text(v)
  return type(text) == "string" and text or ""
end

local function sorted_labels(t)
  local keys = {}
  for k, v in pairs(list_of(t)) do keys[#keys + 1] = tostring(k) .. "=" .. tostring(v) end
  table.sort(keys)
  return table.concat(keys, " ")
end

------------------------------------------------------------------------------------------------
-- VMs: vcpu and ram (stopped and started again), disks grown or added; the rest is fixed.

-- The VM's boot disk and its other disks, in its order.
local function vm_disks(obj)
  local boot, data = nil, {}
  for _, s in ipairs(list_of(obj.storage)) do
    if type(s) == "table" then
      if s.primary == true and not boot then boot = s else data[#data + 1] = s end
    end
  end
  return boot, data
end

local vms = {}

function vms.differs(obj, want)
  local out = {}
  if want.vcpu and tonumber(obj.vcpu) ~= want.vcpu then
    add(out, "vcpu", "vcpu " .. tostring(obj.vcpu) .. " -> " .. want.vcpu)
  end
  if want.ram and tonumber(obj.memory) ~= want.ram then
    add(out, "ram", "ram " .. tostring(obj.memory) .. " -> " .. want.ram)
  end
  local boot, data = vm_disks(obj)
  if want.disks and boot and tonumber(boot.size) < want.disks then
    add(out, "disks", "boot disk " .. tostring(boot.size) .. " -> " .. want.disks .. " GB")
  end
  if want.data_disks then
    for i, size in ipairs(want.data_disks) do
      local d = data[i]
      if not d then
        add(out, "data_disks", "data disk " .. i .. " added (" .. size .. " GB)")
      elseif tonumber(d.size) < size then
        add(out, "data_disks", "data disk " .. tostring(d.name or i) .. " " .. tostring(d.size) .. " -> " .. size .. " GB")
      end
    end
    for i = #want.data_disks + 1, #data do
      add(out, "data_disks", "data disk " .. tostring(data[i].name or i) .. " (" .. tostring(data[i].size)
        .. " GB) not desired", true)
    end
  end
  return out
end

function vms.fixed(obj, want)
  local out = {}
  for _, k in ipairs { "os_name", "os_version" } do
    if want[k] ~= nil and obj[k] ~= nil and tostring(obj[k]) ~= tostring(want[k]) then
      add(out, k, k .. " " .. tostring(obj[k]) .. " -> " .. tostring(want[k]))
    end
  end
  local boot, data = vm_disks(obj)
  if want.disks and boot and tonumber(boot.size) > want.disks then
    add(out, "disks", "boot disk " .. tostring(boot.size) .. " -> " .. want.disks .. " GB (a disk cannot shrink)")
  end
  for i, size in ipairs(want.data_disks or {}) do
    local d = data[i]
    if d and tonumber(d.size) > size then
      add(out, "data_disks", "data disk " .. tostring(d.name or i) .. " " .. tostring(d.size) .. " -> " .. size
        .. " GB (a disk cannot shrink)")
    end
  end
  local net = want.network
  if net and type(net.members) == "table" then
    local member = false
    for _, u in ipairs(net.members) do if u == obj.uuid then member = true end end
    if not member then add(out, "network", "network (not on " .. tostring(net.name) .. ")") end
  end
  -- The platform has no call that changes a VM's description (Modify VM: name, vcpu, ram only).
  if want.description ~= nil and user_text(obj.description) ~= want.description then
    add(out, "description", "description (the platform cannot change it)")
  end
  if want.labels ~= nil and sorted_labels(obj.labels) ~= sorted_labels(want.labels) then
    add(out, "labels", "labels (kept in the description, which the platform cannot change)")
  end
  return out
end

function vms.bring(obj, want, opts)
  local changed = false
  local resize = {}
  if want.vcpu and tonumber(obj.vcpu) ~= want.vcpu then resize.vcpu = want.vcpu end
  if want.ram and tonumber(obj.memory) ~= want.ram then resize.ram = want.ram end
  if next(resize) then
    resize.restart = true
    local ok, err = obj:resize(resize)
    if not ok then return nil, err end
    changed = true
  end
  local boot, data = vm_disks(obj)
  if want.disks and boot and tonumber(boot.size) < want.disks then
    local ok, err = obj:resize_disk(boot, want.disks)
    if not ok then return nil, err end
    changed = true
  end
  for i, size in ipairs(want.data_disks or {}) do
    local d, ok, err = data[i], nil, nil
    if not d then
      ok, err = obj:add_disk { size_gb = size }
    elseif tonumber(d.size) < size then
      ok, err = obj:resize_disk(d, size)
    end
    if err then return nil, err end
    if ok then changed = true end
  end
  if want.data_disks and opts and opts.remove then
    for i = #data, #want.data_disks + 1, -1 do
      local ok, err = obj:remove_disk(data[i])
      if not ok then return nil, err end
      changed = true
    end
  end
  return obj, changed
end

change.vms = vms

------------------------------------------------------------------------------------------------
-- Firewalls: description and rules (one PUT of the whole firewall, the mark kept), the VMs it
-- guards (assign, unassign).

-- A rule as one comparable string: the platform fills in port_end and orders rules its way.
local function fw_rule_key(r)
  local prefixes = {}
  for i, p in ipairs(type(r.endpoint_spec) == "table" and r.endpoint_spec or {}) do prefixes[i] = tostring(p) end
  table.sort(prefixes)
  local from = tonumber(r.port_start)
  local to = tonumber(r.port_end) or from
  local kind = r.endpoint_spec_type or (#prefixes > 0 and "ip_prefixes" or "any")
  return table.concat({ tostring(r.direction), tostring(r.protocol):lower(), tostring(from), tostring(to),
    tostring(kind), table.concat(prefixes, ",") }, "|")
end

local function fw_rules_differ(obj, want)
  local have, wanted = {}, {}
  for _, r in ipairs(list_of(obj.rules)) do have[#have + 1] = fw_rule_key(r) end
  for _, r in ipairs(want.rules) do
    local checked = firewalls.rule("firewall", r)
    wanted[#wanted + 1] = fw_rule_key(checked or r)
  end
  return not same_set(have, wanted)
end

local function fw_guarded(obj)
  local out = {}
  for _, r in ipairs(list_of(obj.resources_assigned)) do
    local id = type(r) == "table" and r.resource_uuid or r
    out[#out + 1] = tostring(id):lower()
  end
  return out
end

local fws = {}

function fws.differs(obj, want)
  local out = {}
  if want.description ~= nil and user_text(obj.description) ~= want.description then
    add(out, "description", "description differs")
  end
  if want.rules ~= nil and fw_rules_differ(obj, want) then add(out, "rules", "rules differ") end
  if want.vm_uuids ~= nil then
    local wanted = {}
    for i, u in ipairs(want.vm_uuids) do wanted[i] = tostring(u):lower() end
    if not same_set(fw_guarded(obj), wanted) then add(out, "vms", "its VMs differ") end
  end
  return out
end

function fws.fixed()
  return {}
end

function fws.bring(obj, want)
  local changed = false
  local put = {}
  if want.description ~= nil and user_text(obj.description) ~= want.description then put.description = want.description end
  if want.rules ~= nil and fw_rules_differ(obj, want) then put.rules = want.rules end
  if next(put) then
    local ok, err = obj:update(put)
    if not ok then return nil, err end
    changed = true
  end
  if want.vm_uuids ~= nil then
    local moved, err = sync(fw_guarded(obj), want.vm_uuids, lower, lower,
      function(u) return obj:unassign(u) end, function(u) return obj:assign(u) end)
    if moved == nil then return nil, err end
    changed = changed or moved
  end
  return obj, changed
end

change.firewalls = fws

------------------------------------------------------------------------------------------------
-- Load balancers: forwarding rules and targets.

local function lb_rule_key(r)
  return tostring(tonumber(r.source_port)) .. ">" .. tostring(tonumber(r.target_port))
end

local function lb_targets(obj)
  local out = {}
  for _, t in ipairs(list_of(obj.targets)) do out[#out + 1] = t.target_uuid end
  return out
end

local function lb_rules(obj)
  local out = {}
  for _, r in ipairs(list_of(obj.forwarding_rules)) do out[#out + 1] = lb_rule_key(r) end
  return out
end

local lbs = {}

function lbs.differs(obj, want)
  local out = {}
  if want.target_uuids and not same_set(lb_targets(obj), want.target_uuids) then add(out, "targets", "targets differ") end
  if want.rules then
    local wanted = {}
    for _, r in ipairs(want.rules) do wanted[#wanted + 1] = lb_rule_key(r) end
    if not same_set(lb_rules(obj), wanted) then add(out, "rules", "rules differ") end
  end
  return out
end

function lbs.fixed(obj, want)
  local out = {}
  if want.network_uuid and obj.network_uuid and want.network_uuid ~= obj.network_uuid then
    add(out, "network", "network")
  end
  return out
end

local function copy_list(t)
  local out = {}
  for i, v in ipairs(list_of(t)) do out[i] = v end
  return out
end

function lbs.bring(obj, want)
  local changed = false
  for _, set in ipairs {
    { want.target_uuids, copy_list(obj.targets), function(t) return t.target_uuid end, same,
      function(t) return obj:remove_target(t.target_uuid) end, function(u) return obj:add_target(u) end },
    { want.rules, copy_list(obj.forwarding_rules), lb_rule_key, lb_rule_key,
      function(r) return obj:remove_rule(r.uuid) end,
      function(r) return obj:add_rule { source_port = r.source_port, target_port = r.target_port } end },
  } do
    if set[1] then
      local moved, err = sync(set[2], set[1], set[3], set[4], set[5], set[6])
      if moved == nil then return nil, err end
      changed = changed or moved
    end
  end
  return obj, changed
end

change.load_balancers = lbs

------------------------------------------------------------------------------------------------
-- SSH keys: the public key cannot change (a replace); buckets: the billing account moves.

-- "ssh-ed25519 AAAA... me@host": the key's type and body (the comment is not the key).
local function key_body(k)
  local kind, body = tostring(k):match("^%s*(%S+)%s+(%S+)")
  return kind and (kind .. " " .. body) or tostring(k)
end

change.ssh_keys = {
  differs = function() return {} end,
  fixed = function(obj, want)
    local out = {}
    if want.public_key ~= nil and key_body(obj.public_key) ~= key_body(want.public_key) then
      add(out, "public_key", "public_key")
    end
    return out
  end,
  bring = function(obj) return obj, false end,
}

change.buckets = {
  differs = function(obj, want)
    local out = {}
    if want.billing_account_id and tonumber(obj.billing_account_id) ~= want.billing_account_id then
      add(out, "billing_account_id", "billing account " .. tostring(obj.billing_account_id) .. " -> " .. want.billing_account_id)
    end
    return out
  end,
  fixed = function() return {} end,
  bring = function(obj, want)
    if want.billing_account_id and tonumber(obj.billing_account_id) ~= want.billing_account_id then
      local ok, err = obj:update { billing_account_id = want.billing_account_id }
      if not ok then return nil, err end
      return obj, true
    end
    return obj, false
  end,
}

------------------------------------------------------------------------------------------------
-- ensure{update = true}: the want of a family's create parameters (what ensure was asked).

local function target_uuid(t)
  if type(t) == "table" then return t.target_uuid or t.uuid end
  return t
end

local FROM_PARAMS = {
  vms = function(p) return { vcpu = p.vcpu, ram = p.ram, disks = p.disks } end,
  firewalls = function(p) return { description = p.description, rules = p.rules } end,
  load_balancers = function(p)
    local targets
    if p.targets ~= nil then
      targets = {}
      for i, t in ipairs(p.targets) do targets[i] = target_uuid(t) end
    end
    return { rules = p.rules, target_uuids = targets }
  end,
  buckets = function(p) return { billing_account_id = p.billing_account_id } end,
}

--- The want of ensure's create parameters for family (only what can change in place).
function change.from_params(family, params)
  local f = FROM_PARAMS[family]
  return f and f(params) or {}
end

-- Families with nothing that changes in place here.
local NOTHING = { differs = function() return {} end, fixed = function() return {} end,
  bring = function(obj) return obj, false end }

function change.of(family)
  return change[family] ~= nil and type(change[family]) == "table" and change[family].differs and change[family] or NOTHING
end

return change
