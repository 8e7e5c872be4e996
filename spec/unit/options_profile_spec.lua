-- idcloudhost.new{profile = ...}: named options in the config file (options.config_path), the
-- key from a command, never echoed.
local idcloudhost = require "idcloudhost"
local options = require "idcloudhost.options"

local T = function() end

describe("idcloudhost.new profile", function()
  local dir, path, saved
  before_each(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    path = dir .. "/config.lua"
    saved = options.config_path
    options.config_path = function() return path end
  end)
  after_each(function()
    options.config_path = saved
    os.execute("rm -rf " .. dir)
  end)

  local function write(text, name)
    local f = assert(io.open(name or path, "w"))
    f:write(text)
    f:close()
  end

  local function refused(opts, field, pattern)
    opts.transport = T
    local c, err = idcloudhost.new(opts)
    assert.is_nil(c)
    assert.equal("invalid", err.kind)
    if field then assert.equal(field, err.field) end
    if pattern then assert.matches(pattern, err.message, 1, true) end
    return err
  end

  it("takes a named profile's options, the caller's winning", function()
    write [[profiles = { prod = { apikey = "prod-key", base_url = "http://127.0.0.1:9", location = "jkt01", timeout = 5 } }]]
    local c = assert(idcloudhost.new { profile = "prod", transport = T })
    assert.equal("http://127.0.0.1:9", c.base_url)
    assert.equal("jkt01", c.location)
    c = assert(idcloudhost.new { profile = "prod", location = "bdg01", transport = T })
    assert.equal("bdg01", c.location)
  end)

  it("runs apikey_command for the key and sends its first line", function()
    write(string.format([[profiles = { p = { apikey_command = "printf 'cmd-key-1\\nsecond\\n'", base_url = "http://127.0.0.1:9" } }]]))
    local sent
    local c = assert(idcloudhost.new { profile = "p", retries = 0,
      transport = function(req) sent = req.headers.apikey return { status = 200, body = "[]" } end })
    assert(c.locations:list())
    assert.equal("cmd-key-1", sent)
  end)

  it("does not run the command when a key is given", function()
    write(string.format([[profiles = { p = { apikey_command = "touch %s/ran; echo k" } }]], dir))
    assert(idcloudhost.new { profile = "p", apikey = "given", transport = T })
    assert.is_nil(io.open(dir .. "/ran"))
  end)

  it("refuses a failing or silent command without showing its output", function()
    write [[profiles = { bad = { apikey_command = "printf 'leaked-key-%d' 77; exit 3" }, silent = { apikey_command = "true" } }]]
    local err = refused({ profile = "bad" }, "apikey_command", "failed")
    assert.is_nil(tostring(err):find("leaked-key-77", 1, true))
    refused({ profile = "silent" }, "apikey_command", "printed no key")
  end)

  it("refuses an unknown profile, setting or missing file", function()
    write [[profiles = { p = { apikey = "k", colour = "red" }, q = { apikey = "k", on_request = "x" } }]]
    refused({ profile = "nope" }, "profile", "no profile 'nope'")
    refused({ profile = "p" }, "colour", "unknown setting 'colour'")
    refused({ profile = 7 }, "profile")
    os.remove(path)
    refused({ profile = "p" }, "profile", "no config file")
  end)

  it("reports a broken file without the text near the error", function()
    write [[profiles = { p = { apikey = "secret-in-clear" ]]
    local err = refused({ profile = "p" }, "profile", "not valid")
    assert.is_nil(tostring(err):find("secret", 1, true))
  end)

  it("gives the file no globals", function()
    write [[profiles = { p = { apikey = os.getenv("HOME") } }]]
    refused({ profile = "p" }, "profile", "not valid")
  end)

  it("uses the file's default profile only when nothing else gives a key", function()
    if os.getenv("IDCLOUDHOST_API_KEY") or os.getenv("IDCLOUDHOST_PROFILE") then
      pending("IDCLOUDHOST_API_KEY or IDCLOUDHOST_PROFILE is set in this environment")
      return
    end
    write [[default = "d"; profiles = { d = { apikey = "dk", location = "sgp01" } }]]
    assert.equal("sgp01", assert(idcloudhost.new { transport = T }).location)
    assert.is_nil(assert(idcloudhost.new { apikey = "x", transport = T }).location)
  end)
end)
