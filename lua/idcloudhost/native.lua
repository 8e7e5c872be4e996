-- The C core, asked for in one place: `require("idcloudhost.native").core` is idcloudhost.core
-- when it loads, else nil, with `.err` saying why.  Every host runs without it (Neovim without a
-- build, nginx without the core on its cpath): JSON, encoding, uuid checks and the transport
-- then have their pure-Lua or host fallbacks.
local ok, core = pcall(require, "idcloudhost.core")
if ok and type(core) == "table" then return { core = core } end
return { err = ok and ("idcloudhost.core is a " .. type(core) .. ", not the C core") or tostring(core) }
