-- :IdchVms, the example plugin's one command (lua/idcloudhost_vms.lua does the work).
if vim.g.loaded_idcloudhost_vms then return end
vim.g.loaded_idcloudhost_vms = true

vim.api.nvim_create_user_command("IdchVms", function() require("idcloudhost_vms").list() end,
  { desc = "idcloudhost: list every VM of every location in a scratch buffer" })
