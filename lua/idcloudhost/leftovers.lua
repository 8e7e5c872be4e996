-- A public name kept where the module moved (docs/architecture.md, "Layout"): docs/operations.md
-- names it: require("idcloudhost.leftovers").delete(item).
return require "idcloudhost.ops.leftovers"
