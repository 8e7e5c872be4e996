-- The resource families the simulator serves: one module each, with register(router).
--
-- How families reach each other: by `require`, and only so. A family that needs another
-- one's records or rules requires it and calls its functions; an effect on other families is
-- a direct call by the family that causes it (vm.lua's delete calls network.leave,
-- disk.release, floating_ip.release_from and load_balancer.drop_target). Why this one way and
-- not hooks or events: a call can be followed by reading the code, nothing depends on which
-- module was loaded first, nothing is optional (a missing family fails at require, not with a
-- silently different behaviour), and every effect has exactly one place that causes it.
-- The requires form layers, lower ones never requiring higher ones:
--   state, config, clock, params, reply, json, ... (the simulator's own modules)
--   catalog, account, network, machine (VM records and lookups)
--   billing (account): the billing accounts' records, account_for
--   billing_card (billing)  billing_credit (billing, billing_card)
--   billing_invoice (billing, billing_card, billing_credit)  billing_payment (billing_invoice, ...)
--   billing_usage (billing, billing_credit, machine)
--   billing_account (all billing_*, machine): the billing family, with its route table
--   floating_ip (billing, machine)  disk (machine): the disk records
--   vm_disk (disk, machine)  block_storage (billing, catalog, disk)  replica (disk, machine)
--   bucket (billing)  load_balancer (billing, floating_ip, machine, network)
--   ssh_key (state only)  service_record (network, machine): the managed services' records,
--   below billing_usage, which bills them  service (billing, floating_ip, service_record)
--   firewall (billing, machine)  ip_assign (floating_ip, load_balancer, machine, service_record)
--   boot_media (disk, machine)  vm_action (catalog, machine): the calls on one VM
--   vm (all of the above: it makes and removes what a VM is made of)
-- A module that is not a family (machine, disk, vm_action, billing and its parts below
-- billing_account, service_record, cidr) has no register(router): the families above it serve its calls.
return {
  "idcloudhost.sim.catalog",
  "idcloudhost.sim.account",
  "idcloudhost.sim.network",
  "idcloudhost.sim.billing_account",
  "idcloudhost.sim.floating_ip",
  "idcloudhost.sim.vm_disk",
  "idcloudhost.sim.block_storage",
  "idcloudhost.sim.replica",
  "idcloudhost.sim.bucket",
  "idcloudhost.sim.load_balancer",
  "idcloudhost.sim.ssh_key",
  "idcloudhost.sim.firewall",
  "idcloudhost.sim.service",
  "idcloudhost.sim.ip_assign",
  "idcloudhost.sim.boot_media",
  "idcloudhost.sim.vm",
}
