-- A public name kept where the module moved (docs/architecture.md, "Layout"): Neovim's
-- :checkhealth idcloudhost requires this name.
return require "idcloudhost.runtime.nvim.health"
