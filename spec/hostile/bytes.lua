-- Byte-exact bodies for the hostile server (Lua 5.3: integer bit operators; never loaded by the
-- spec itself): gzip members built by hand, and a gzip bomb that inflates 1 MB into 1 GiB.
local bytes = {}

-- CRC-32 (IEEE, reflected), table-driven.
local CRC = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do c = (c & 1 == 1) and (0xEDB88320 ~ (c >> 1)) or (c >> 1) end
  CRC[i] = c
end

function bytes.crc32(s, crc)
  crc = (crc or 0) ~ 0xFFFFFFFF
  for i = 1, #s do crc = CRC[(crc ~ s:byte(i)) & 0xFF] ~ (crc >> 8) end
  return crc ~ 0xFFFFFFFF
end

-- The CRC of n zero bytes, in O(log n): zlib's crc32_combine operator squaring, applied to the
-- register (a 1 GiB loop would take minutes in Lua).
local function gf2_times(mat, vec)
  local sum, i = 0, 1
  while vec ~= 0 do
    if vec & 1 == 1 then sum = sum ~ mat[i] end
    vec, i = vec >> 1, i + 1
  end
  return sum
end

local function gf2_square(mat)
  local sq = {}
  for i = 1, 32 do sq[i] = gf2_times(mat, mat[i]) end
  return sq
end

function bytes.crc32_zeros(n)
  -- crc(zeros) = crc32 of n zero bytes = register shifted through n zero bytes, pre/post inverted.
  local reg = 0xFFFFFFFF
  local odd = { 0xEDB88320 }          -- operator for one zero bit
  local row = 1
  for i = 2, 32 do odd[i] = row; row = row << 1 end
  local even = gf2_square(odd)        -- two zero bits
  odd = gf2_square(even)              -- four zero bits
  repeat
    even = gf2_square(odd)            -- first pass: one zero byte
    if n & 1 == 1 then reg = gf2_times(even, reg) end
    n = n >> 1
    if n == 0 then break end
    odd = gf2_square(even)
    if n & 1 == 1 then reg = gf2_times(odd, reg) end
    n = n >> 1
  until n == 0
  return reg ~ 0xFFFFFFFF
end

local function le32(n)
  return string.char(n & 0xFF, (n >> 8) & 0xFF, (n >> 16) & 0xFF, (n >> 24) & 0xFF)
end

local HEADER = "\31\139\8\0\0\0\0\0\0\255"   -- gzip, deflate, no flags, no mtime, unknown OS

--- A valid gzip member of s, in stored (uncompressed) deflate blocks.
function bytes.gzip(s)
  local out, pos = { HEADER }, 1
  repeat
    local piece = s:sub(pos, pos + 65534)
    pos = pos + #piece
    local final = pos > #s and 1 or 0
    out[#out + 1] = string.char(final) .. string.char(#piece & 0xFF, #piece >> 8)
      .. string.char(~#piece & 0xFF, (~#piece >> 8) & 0xFF) .. piece
  until pos > #s
  out[#out + 1] = le32(bytes.crc32(s)) .. le32(#s & 0xFFFFFFFF)
  return table.concat(out)
end

-- An LSB-first bit writer, as deflate packs its bits.
local function writer()
  local w = { out = {}, acc = 0, n = 0 }
  function w.bits(v, count)      -- a number, low bit first
    for i = 0, count - 1 do
      w.acc = w.acc | (((v >> i) & 1) << w.n)
      w.n = w.n + 1
      if w.n == 8 then w.out[#w.out + 1] = string.char(w.acc); w.acc, w.n = 0, 0 end
    end
  end
  function w.code(c, len)        -- a Huffman code, most significant bit first
    for i = len - 1, 0, -1 do w.bits((c >> i) & 1, 1) end
  end
  function w.flush()
    if w.n > 0 then w.out[#w.out + 1] = string.char(w.acc); w.acc, w.n = 0, 0 end
    return table.concat(w.out)
  end
  return w
end

--- A gzip member that inflates to about `size` zero bytes (default 1 GiB) at deflate's best
-- ratio (1032:1): one dynamic block whose only length is 258 (1-bit code) and only distance 1
-- (1-bit code), so every 258 bytes cost 2 zero bits.  Returns the body and the inflated size.
function bytes.bomb(size)
  size = size or 2^30
  local matches = (size - 1) // 258
  local w = writer()
  w.bits(1, 1); w.bits(2, 2)                 -- final block, dynamic Huffman
  w.bits(29, 5); w.bits(0, 5); w.bits(15, 4) -- 286 lit/len codes, 1 distance code, 19 cl codes
  -- Code-length code lengths in deflate's order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1 15:
  -- symbol 18 gets 1 bit, symbols 1 and 2 get 2 bits.
  local cl = { 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0 }
  for _, v in ipairs(cl) do w.bits(v, 3) end
  -- Canonical codes: 18 -> 0, 1 -> 10, 2 -> 11.
  local function zeros(n)                    -- a run of zero lengths with symbol 18
    while n > 0 do
      local k = math.min(n, 138)
      w.code(0, 1); w.bits(k - 11, 7)
      n = n - k
    end
  end
  w.code(3, 2)             -- literal 0: length 2
  zeros(255)               -- literals 1..255 unused
  w.code(3, 2)             -- 256 (end of block): length 2
  zeros(28)                -- lengths 257..284 unused
  w.code(2, 2)             -- 285 (length 258): length 1
  w.code(2, 2)             -- distance 0 (distance 1): length 1
  -- Lit/len canonical codes: 285 -> 0, 0 -> 10, 256 -> 11.  Distance 0 -> 0.
  w.code(2, 2)             -- the literal 0
  -- Each match is "0" + "0": pad the writer to a byte with matches, then whole zero bytes.
  local left = matches
  while w.n ~= 0 and left > 0 do w.bits(0, 2); left = left - 1 end
  local head = w.flush()
  local run = left // 4
  left = left - run * 4
  local tail = writer()
  for _ = 1, left do tail.bits(0, 2) end
  tail.code(3, 2)          -- end of block
  local inflated = 1 + 258 * matches
  local body = table.concat {
    HEADER, head, string.rep("\0", run), tail.flush(),
    le32(bytes.crc32_zeros(inflated)), le32(inflated & 0xFFFFFFFF),
  }
  return body, inflated
end

return bytes
