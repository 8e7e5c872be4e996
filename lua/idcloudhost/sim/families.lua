-- Resource families served by the simulator: one module each, with
-- register(router). Add new families (storage, networks, billing...) here.
return {
  "sim.catalog",
  "sim.vm",
  "sim.account",
  "sim.billing",
  "sim.storage",
  "sim.network",
  "sim.floating_ip",
  "sim.load_balancer",
}
