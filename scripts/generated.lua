-- What the generators of committed files share (scripts/endpoints.lua, scripts/luacats.lua):
-- write the file when its text changed, or, with check, fail when it is not current.
return function(path, text, check, target)
  local f = io.open(path, "rb")
  local now = f and f:read("*a")
  if f then f:close() end
  if check then
    if now ~= text then
      io.stderr:write(path, " is not current: run `make ", target, "`\n")
      os.exit(1)
    end
  elseif now ~= text then
    local w = assert(io.open(path, "wb"))
    w:write(text)
    w:close()
    print("wrote " .. path)
  end
end
