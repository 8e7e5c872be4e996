-- A public name kept where the module moved (docs/architecture.md, "Layout"): docs/openresty.md
-- preloads it in init_by_lua under this name.
return require "idcloudhost.call.pipeline"
