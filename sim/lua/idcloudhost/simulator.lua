-- Kept for scripts written against the old name: the control client is idcloudhost.sim.client.
return require "idcloudhost.sim.client"
