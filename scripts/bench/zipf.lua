-- wrk script: GET requests for certificate IDs drawn from a Zipf distribution over the
-- IDs in ZIPF_IDS (one per line, all of one length, in the order ranked: line 1 the most
-- asked), plus a share ZIPF_UNKNOWN (default 0.05) of IDs that exist nowhere. ZIPF_PREFIX
-- and ZIPF_SUFFIX make the path: PREFIX .. id .. SUFFIX (the verifier's
-- /api/v1/certificates/ID, or nginx's /api/ID.json). ZIPF_S is the exponent (default 1.0).
-- Each wrk thread draws with its own seed; every run draws the same sequence per thread.
--
-- ZIPF_MODE chooses how IDs are drawn: `zipf` (the default), `uniform` (every ID as
-- likely), or `pass`: the IDs in file order, each asked once — thread k of ZIPF_THREADS
-- (wrk's -t) asks lines k, k + T, k + 2T, … — and a thread stops when its share is asked,
-- so that every request is a certificate's first ask (issue 76's cold case). A pass asks
-- no unknown IDs. wrk counts its requests/s over the whole duration however early its
-- threads stop, so a pass prints its own figure at the end, `pass: N answers in S s, R/s`:
-- from the first thread's start to the last thread's last answer.
--
-- Every thread starts at once, at any number of IDs. wrk runs each thread's `init` in its
-- main thread, one thread after the other, and starts a thread as soon as its `init`
-- returns; its clock starts after the last. An `init` that reads 10^7 IDs into a table
-- takes seconds, and the first thread's requests in those seconds were counted as if made
-- in the run's time: at 10^7 IDs it doubled the requests/s reported. So `init` does no
-- work that grows with the IDs: the file is mapped into memory (LuaJIT's FFI) and an ID
-- is read at its offset, and ranks are drawn by rejection-inversion (W. Hörmann and
-- G. Derflinger, "Rejection-inversion to generate variates from monotone discrete
-- distributions", 1996), which needs no table of the distribution.

local ffi = require("ffi")
ffi.cdef [[
  int open(const char *path, int flags);
  void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset);
  int close(int fd);
  typedef struct { long tv_sec; long tv_nsec; } timespec_t;
  int clock_gettime(int clock, timespec_t *tp);
]]

-- CLOCK_MONOTONIC, in seconds.
local function monotonic()
  local t = ffi.new("timespec_t")
  ffi.C.clock_gettime(1, t)
  return tonumber(t.tv_sec) + tonumber(t.tv_nsec) / 1e9
end

local prefix = os.getenv("ZIPF_PREFIX") or "/api/v1/certificates/"
local suffix = os.getenv("ZIPF_SUFFIX") or ""
local unknown_share = tonumber(os.getenv("ZIPF_UNKNOWN") or "0.05")
local s = tonumber(os.getenv("ZIPF_S") or "1.0")
local mode = os.getenv("ZIPF_MODE") or "zipf"
if mode ~= "zipf" and mode ~= "uniform" and mode ~= "pass" then error("ZIPF_MODE: zipf, uniform or pass") end
local threads = tonumber(os.getenv("ZIPF_THREADS") or "1")
local counter = 0
local next_line -- a pass: this thread's next line (0-based)
-- A pass: this thread's start, answers and last answer's time (globals: `done` reads them
-- through wrk's thread:get).
started, answered, last_answer = 0, 0, 0
local all_threads = {}

local ids, id_len, stride, n -- the mapped file, an ID's length, a line's, the IDs

-- The rejection-inversion sampler's helpers: h is the (unnormalised) density x^-s, big_h
-- its integral, big_h_inv that integral's inverse; expm1(t)/t and log1p(t)/t written so
-- that s = 1 (t = 0) is no special case.
local function expm1_over(t)
  if math.abs(t) > 1e-8 then return (math.exp(t) - 1) / t end
  return 1 + t / 2 * (1 + t / 3)
end
local function log1p_over(t)
  if math.abs(t) > 1e-8 then return math.log(1 + t) / t end
  return 1 - t * (0.5 - t / 3)
end
local function h(x) return math.exp(-s * math.log(x)) end
local function big_h(x)
  local lx = math.log(x)
  return expm1_over((1 - s) * lx) * lx
end
local function big_h_inv(y)
  local t = y * (1 - s)
  if t < -1 then t = -1 end
  return math.exp(log1p_over(t) * y)
end
local h_x1, h_n, squeeze

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
  all_threads[counter] = thread
end

function init(args)
  math.randomseed(seed or 1)
  next_line = (seed or 1) - 1
  started = monotonic()
  local path = os.getenv("ZIPF_IDS") or error("ZIPF_IDS: the file of ranked IDs")
  local f = io.open(path, "rb") or error("cannot open " .. path)
  local first = f:read("*l") or error(path .. " is empty")
  local size = f:seek("end")
  f:close()
  id_len, stride = #first, #first + 1
  if size % stride ~= 0 then error(path .. ": the IDs are not all " .. id_len .. " characters") end
  n = size / stride
  local fd = ffi.C.open(path, 0) -- O_RDONLY
  if fd < 0 then error("cannot open " .. path) end
  local map = ffi.C.mmap(nil, size, 1, 2, fd, 0) -- PROT_READ, MAP_PRIVATE
  ffi.C.close(fd)
  if ffi.cast("intptr_t", map) == -1 then error("cannot map " .. path) end
  ids = ffi.cast("const char *", map)
  h_x1 = big_h(1.5) - 1
  h_n = big_h(n + 0.5)
  squeeze = 2 - big_h_inv(big_h(2.5) - h(2))
end

-- A rank in 1..n, Zipf-distributed with exponent s.
local function zipf_rank()
  while true do
    local u = h_n + math.random() * (h_x1 - h_n)
    local x = big_h_inv(u)
    local k = math.floor(x + 0.5)
    if k < 1 then k = 1 elseif k > n then k = n end
    if k - x <= squeeze or u >= big_h(k + 0.5) - h(k) then return k end
  end
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

function request()
  local id
  if mode == "pass" then
    if next_line >= n then
      -- This thread's share is asked: stop; the requests still in flight ask an unknown
      -- ID rather than a second ask of a certificate.
      wrk.thread:stop()
      return wrk.format("GET", prefix .. unknown_id() .. suffix)
    end
    id = ffi.string(ids + next_line * stride, id_len)
    next_line = next_line + threads
  elseif math.random() < unknown_share then
    id = unknown_id()
  elseif mode == "uniform" then
    id = ffi.string(ids + math.random(0, n - 1) * stride, id_len)
  else
    id = ffi.string(ids + (zipf_rank() - 1) * stride, id_len)
  end
  return wrk.format("GET", prefix .. id .. suffix)
end

-- A pass counts its answers and when the last came (the answers to the unknown IDs asked
-- after a thread's share are not counted). Only a pass defines `response`: wrk reads the
-- body of every answer when it does.
if mode == "pass" then
  local share -- this thread's lines
  response = function(status, headers, body)
    share = share or math.floor((n - (seed or 1)) / threads) + 1
    if answered < share then
      answered = answered + 1
      last_answer = monotonic()
    end
  end
end

function done(summary, latency, requests)
  if mode ~= "pass" then return end
  local first, last, total = math.huge, 0, 0
  for _, thread in ipairs(all_threads) do
    first = math.min(first, thread:get("started"))
    last = math.max(last, thread:get("last_answer"))
    total = total + thread:get("answered")
  end
  io.write(string.format("pass: %d answers in %.3f s, %.2f/s\n", total, last - first, total / (last - first)))
end
