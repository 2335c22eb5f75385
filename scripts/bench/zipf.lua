-- wrk script: GET requests for certificate IDs drawn from a Zipf distribution over the
-- IDs in ZIPF_IDS (one per line, in the order ranked: line 1 the most asked), plus a
-- share ZIPF_UNKNOWN (default 0.05) of IDs that exist nowhere. ZIPF_PREFIX and
-- ZIPF_SUFFIX make the path: PREFIX .. id .. SUFFIX (the verifier's
-- /api/v1/certificates/ID, or nginx's /api/ID.json). ZIPF_S is the exponent (default 1.0).
-- Each wrk thread draws with its own seed; every run draws the same sequence per thread.

local ids = {}
local cdf = {}
local prefix = os.getenv("ZIPF_PREFIX") or "/api/v1/certificates/"
local suffix = os.getenv("ZIPF_SUFFIX") or ""
local unknown_share = tonumber(os.getenv("ZIPF_UNKNOWN") or "0.05")
local s = tonumber(os.getenv("ZIPF_S") or "1.0")
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(seed or 1)
  local path = os.getenv("ZIPF_IDS")
  local total = 0
  for line in io.lines(path) do
    if #line > 0 then
      local rank = #ids + 1
      ids[rank] = line
      total = total + 1 / (rank ^ s)
      cdf[rank] = total
    end
  end
  for i = 1, #cdf do cdf[i] = cdf[i] / total end
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

-- An ID of the right shape that no ledger holds: NT- and 12 base32 characters starting ZZ.
local function unknown_id()
  local t = { "NT-ZZ" }
  for _ = 1, 10 do
    local i = math.random(1, 32)
    t[#t + 1] = alphabet:sub(i, i)
  end
  return table.concat(t)
end

local function zipf_id()
  local u = math.random()
  local lo, hi = 1, #cdf
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return ids[lo]
end

function request()
  local id
  if math.random() < unknown_share then id = unknown_id() else id = zipf_id() end
  return wrk.format("GET", prefix .. id .. suffix)
end
