-- idcloudhost: the Lua SDK for the idcloudhost.com / elastis.id cloud.
--
--   local idcloudhost = require "idcloudhost"
--   local client = assert(idcloudhost.new { location = "jkt01" })
--   for _, vm in ipairs(assert(client.vms:list())) do print(vm) end
local Client = require "idcloudhost.client"
local check = require "idcloudhost.check"
local errors = require "idcloudhost.errors"
local json = require "idcloudhost.json"
local options = require "idcloudhost.options"

return {
  _VERSION = require "idcloudhost.version",
  new = Client.new,
  providers = options.PROVIDERS,
  is_error = errors.is,
  is_uuid = check.is_uuid,
  array = json.array,
  json = json,
  wait = function(fn, opts) return require("idcloudhost.wait").poll(fn, opts) end, -- (loaded when first needed)
  -- Neovim: runs fn in a task on the editor's event loop (idcloudhost.nvim).
  async = function(fn, on_done) return require("idcloudhost.nvim").async(fn, on_done) end,
}
