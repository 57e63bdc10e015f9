// tb_icarus: self-checking Icarus Verilog testbench for the generated RTL.
//
// Reads a program written by `sparsegen compile` ($readmemh vectors: command
// beats, expected result beats, expected tlast bits), drives the command
// stream into sparsegen_top with random stalls on both streams, and compares
// every result beat in order.  It is the 4-state companion of the Verilator
// harness (verif/harness/tb.cpp): the stall pattern comes from the same
// xorshift64 with the same draw order, so a seed replays the same cycles in
// both, and an X on a control output after reset is caught here every time.
//
//   iverilog -g2012 -s tb_icarus -f DIR/filelist.f verif/icarus/tb_icarus.v
//   vvp -n sim +commands=P/commands.hex +expected=P/expected.hex
//       +last=P/expected_last.hex [+mask=P/expected_mask.hex]
//       [+n_in=N +n_out=N] [+seed=S]
//       [+stall_in=PCT +stall_out=PCT] [+timeout=CYCLES] [+idle_x=0]
//       [+useful=N] [+busy_base=N] [+trace[=FILE.fst] [+trace_from=CYCLE]]
//   (add `-fst` after the sim file only with +trace: vvp writes VCD otherwise)
//
// +n_in/+n_out default to the number of lines of their files and must agree
// with them.  +mask gives per result beat the lanes to check (bit j: lane j);
// lanes outside it carry results the program discards (flat CONV pixels
// between two output rows); without it every lane is checked.  +useful and +busy_base (words + runs * RunOverhead) check the
// performance counters when given.  While s_axis_tvalid is low the data is
// driven to X (+idle_x=0 holds the last beat instead, as tb.cpp does).
//
// The last line is "PASS ..." or the run stops at the first problem with a
// "FAIL: ..." line and $fatal, which makes vvp exit with status 1 ($finish
// always exits 0 in Icarus 11).
`default_nettype none

module tb_icarus #(
    parameter integer MaxIn      = 1 << 20, // command beats the memory holds
    parameter integer MaxOut     = 1 << 20, // result beats the memory holds
    parameter integer HalfPeriod = 5,       // half a clock period (time units)
    parameter integer ResetCycles = 8,      // cycles of rst_i, as in tb.cpp
    parameter integer DrainCycles = 64,     // quiet cycles checked after the end
`include "sparsegen_params.vh"
) ();

  localparam integer Elems   = StreamW / DataW;  // results per output beat
  localparam integer NameLen = 1024;             // characters of a file name
  localparam integer LineLen = 4096;             // characters of a vector line

  // ---- DUT -------------------------------------------------------------------
  reg                clk_i = 1'b0;
  reg                rst_i = 1'b1;
  reg  [StreamW-1:0] s_axis_tdata = {StreamW{1'bx}};
  reg                s_axis_tvalid = 1'b0;
  wire               s_axis_tready;
  wire [StreamW-1:0] m_axis_tdata;
  wire               m_axis_tvalid;
  reg                m_axis_tready = 1'b0;
  wire               m_axis_tlast;
  wire               idle_o;
  wire               err_o;
  wire [63:0]        perf_busy_o;
  wire [63:0]        perf_useful_o;
  wire [63:0]        perf_slots_o;
  wire [63:0]        perf_stall_o;

  sparsegen_top u_dut (
      .clk_i        (clk_i),
      .rst_i        (rst_i),
      .s_axis_tdata (s_axis_tdata),
      .s_axis_tvalid(s_axis_tvalid),
      .s_axis_tready(s_axis_tready),
      .m_axis_tdata (m_axis_tdata),
      .m_axis_tvalid(m_axis_tvalid),
      .m_axis_tready(m_axis_tready),
      .m_axis_tlast (m_axis_tlast),
      .idle_o       (idle_o),
      .err_o        (err_o),
      .perf_busy_o  (perf_busy_o),
      .perf_useful_o(perf_useful_o),
      .perf_slots_o (perf_slots_o),
      .perf_stall_o (perf_stall_o)
  );

  initial forever #HalfPeriod clk_i = ~clk_i;

  // ---- vectors -----------------------------------------------------------------
  reg [StreamW-1:0] cmd_mem  [0:MaxIn-1];   // command beats, in order
  reg [StreamW-1:0] exp_mem  [0:MaxOut-1];  // expected result beats
  reg               last_mem [0:MaxOut-1];  // expected tlast per result beat
  reg [StreamW/DataW-1:0] mask_mem [0:MaxOut-1];  // lanes to check per result beat

  reg [8*NameLen-1:0] cmd_file, exp_file, last_file, mask_file, trace_file;
  reg                 have_mask;

  // ---- run state -------------------------------------------------------------
  integer    n_in, n_out;          // beats to send / to receive
  integer    stall_in, stall_out;  // percent of cycles held back
  integer    timeout;              // cycles without a handshake before giving up
  integer    idle_x;               // drive X on s_axis_tdata while not valid
  integer    trace_from;           // first traced cycle
  reg [63:0] seed;
  reg [63:0] rng_q;                // xorshift64 state (never 0)
  reg [63:0] exp_useful, exp_busy_base;
  reg        chk_useful, chk_busy, tracing;

  integer    cycle = 0;            // rising edges since time 0 (reset included)
  integer    in_i, out_i;          // beats sent / received
  integer    in_stalls, out_stalls;
  integer    last_progress;        // cycle of the last handshake
  integer    end_cycle;
  integer    i, n_lines;
  reg        presenting, ready, s_fire, m_fire, hit, done;
  reg [StreamW-1:0] exp_beat;
  reg [DataW-1:0]   exp_lane, got_lane;
  integer    lane;

  // ---- helpers -----------------------------------------------------------------

  // Stop the run: flush the waveform, then $fatal so vvp exits with status 1.
  // The caller has printed the "FAIL: ..." line.
  task die;
    begin
      if (tracing) $dumpflush;
      $fatal(1, "tb_icarus: stopped at cycle %0d", cycle);
    end
  endtask

  // One draw of tb.cpp's Rng::percent(): no draw at all when pct is 0.
  task draw(input integer pct, output reg h);
    begin
      h = 1'b0;
      if (pct > 0) begin
        rng_q = rng_q ^ (rng_q << 13);
        rng_q = rng_q ^ (rng_q >> 7);
        rng_q = rng_q ^ (rng_q << 17);
        h = ((rng_q % 64'd100) < {32'd0, pct[31:0]});
      end
    end
  endtask

  // Lines of a vector file that hold a word: neither blank nor a comment.
  task count_lines(input [8*NameLen-1:0] name, output integer n);
    integer fd, c;
    reg [8*LineLen-1:0] line;
    reg [7:0] first;
    begin
      n = 0;
      fd = $fopen(name, "r");
      if (fd == 0) begin
        $display("FAIL: cannot open '%0s'", name);
        die;
      end
      c = $fgets(line, fd);
      while (c > 0) begin
        first = line[8*(c-1) +: 8];
        if (c >= LineLen) begin
          $display("FAIL: a line of '%0s' is longer than %0d characters", name, LineLen - 1);
          die;
        end
        if (first != "\n" && first != "\r" && first != "/") n = n + 1;
        c = $fgets(line, fd);
      end
      $fclose(fd);
    end
  endtask

  // A plusarg count: the file's line count by default, else it must agree.
  task get_count(input [8*64-1:0] arg, input integer lines, input integer max,
                 inout integer n);
    begin
      if (n < 0) n = lines;
      if (n != lines) begin
        $display("FAIL: +%0s=%0d but its file has %0d lines", arg, n, lines);
        die;
      end
      if (n > max) begin
        $display("FAIL: +%0s=%0d exceeds the testbench memory (%0d beats); rebuild with iverilog -Ptb_icarus.%0s=N",
                 arg, n, max, (arg == "n_in") ? "MaxIn" : "MaxOut");
        die;
      end
    end
  endtask

  // ---- plusargs and vectors ----------------------------------------------------
  initial begin
    if (StreamW % DataW != 0) begin
      $display("FAIL: StreamW %0d is not a multiple of DataW %0d", StreamW, DataW);
      die;
    end
    if (!$value$plusargs("commands=%s", cmd_file) || !$value$plusargs("expected=%s", exp_file) ||
        !$value$plusargs("last=%s", last_file)) begin
      $display("FAIL: usage: vvp -n SIM +commands=FILE +expected=FILE +last=FILE [+n_in=N +n_out=N] [+seed=S] [+stall_in=PCT +stall_out=PCT] [+timeout=N] [+trace[=FILE]]");
      die;
    end
    if (!$value$plusargs("n_in=%d", n_in)) n_in = -1;
    if (!$value$plusargs("n_out=%d", n_out)) n_out = -1;
    if (!$value$plusargs("seed=%d", seed)) seed = 64'd1;
    if (!$value$plusargs("stall_in=%d", stall_in)) stall_in = 0;
    if (!$value$plusargs("stall_out=%d", stall_out)) stall_out = 0;
    if (!$value$plusargs("timeout=%d", timeout)) timeout = 100000;
    if (!$value$plusargs("idle_x=%d", idle_x)) idle_x = 1;
    chk_useful = $value$plusargs("useful=%d", exp_useful);
    chk_busy = $value$plusargs("busy_base=%d", exp_busy_base);
    if (stall_in < 0 || stall_in > 99 || stall_out < 0 || stall_out > 99) begin
      $display("FAIL: +stall_in=%0d / +stall_out=%0d: each must be 0..99", stall_in, stall_out);
      die;
    end
    if (timeout < 1) begin
      $display("FAIL: +timeout=%0d must be at least 1", timeout);
      die;
    end
    rng_q = (seed != 64'd0) ? seed : 64'h9e3779b97f4a7c15;

    count_lines(cmd_file, n_lines);
    get_count("n_in", n_lines, MaxIn, n_in);
    if (n_in < 1) begin
      $display("FAIL: '%0s' holds no command beat", cmd_file);
      die;
    end
    count_lines(exp_file, n_lines);
    get_count("n_out", n_lines, MaxOut, n_out);
    count_lines(last_file, n_lines);
    if (n_lines != n_out) begin
      $display("FAIL: '%0s' has %0d lines for %0d result beats", last_file, n_lines, n_out);
      die;
    end
    have_mask = $value$plusargs("mask=%s", mask_file);
    if (have_mask) begin
      count_lines(mask_file, n_lines);
      if (n_lines != n_out) begin
        $display("FAIL: '%0s' has %0d lines for %0d result beats", mask_file, n_lines, n_out);
        die;
      end
    end

    $readmemh(cmd_file, cmd_mem, 0, n_in - 1);
    if (n_out > 0) begin
      $readmemh(exp_file, exp_mem, 0, n_out - 1);
      $readmemh(last_file, last_mem, 0, n_out - 1);
      if (have_mask) $readmemh(mask_file, mask_mem, 0, n_out - 1);
      else for (i = 0; i < n_out; i = i + 1) mask_mem[i] = {(StreamW/DataW){1'b1}};
    end
    for (i = 0; i < n_in; i = i + 1) begin
      if (^cmd_mem[i] === 1'bx) begin
        $display("FAIL: command beat %0d of '%0s' is not hex: %h", i, cmd_file, cmd_mem[i]);
        die;
      end
    end
    for (i = 0; i < n_out; i = i + 1) begin
      if (^exp_mem[i] === 1'bx || ^last_mem[i] === 1'bx || ^mask_mem[i] === 1'bx) begin
        $display("FAIL: result beat %0d of '%0s' / '%0s' / mask is not hex: %h %b %h", i, exp_file,
                 last_file, exp_mem[i], last_mem[i], mask_mem[i]);
        die;
      end
    end

    tracing = $test$plusargs("trace");
    if (tracing) begin
      if (!$value$plusargs("trace=%s", trace_file)) trace_file = "tb_icarus.fst";
      if (!$value$plusargs("trace_from=%d", trace_from)) trace_from = 0;
      $dumpfile(trace_file);
      $dumpvars(0, tb_icarus);
      if (trace_from > 0) $dumpoff;
      $display("tb_icarus: tracing to %0s from cycle %0d (run vvp with -fst for FST)", trace_file, trace_from);
    end

    $display("tb_icarus: %0d PEs x %0d banks, DataW %0d, StreamW %0d; %0d command beats, %0d result beats; seed %0d, stall_in %0d%%, stall_out %0d%%",
             PeCount, Banks, DataW, StreamW, n_in, n_out, seed, stall_in, stall_out);
  end

  // ---- one rising edge: count it, open the trace window --------------------------
  task tick;
    begin
      @(posedge clk_i);
      cycle = cycle + 1;
      if (tracing && trace_from > 0 && cycle == trace_from) $dumpon;
    end
  endtask

  // ---- checks on every cycle after reset, just before the rising edge ----------
  // Inputs change on the falling edge; outputs are sampled HalfPeriod-1 later.
  task check_outputs;
    begin
      if (s_axis_tready === 1'bx || s_axis_tready === 1'bz || m_axis_tvalid === 1'bx ||
          m_axis_tvalid === 1'bz || idle_o === 1'bx || idle_o === 1'bz || err_o === 1'bx ||
          err_o === 1'bz) begin
        $display("FAIL: X/Z after reset at cycle %0d: s_axis_tready %b m_axis_tvalid %b idle_o %b err_o %b",
                 cycle, s_axis_tready, m_axis_tvalid, idle_o, err_o);
        die;
      end
      if (m_axis_tvalid && (^m_axis_tdata === 1'bx || ^m_axis_tlast === 1'bx)) begin
        $display("FAIL: X/Z on a valid result beat at cycle %0d (result beat %0d): tdata %h tlast %b",
                 cycle, out_i, m_axis_tdata, m_axis_tlast);
        die;
      end
      if (err_o) begin
        $display("FAIL: err_o rose at cycle %0d (a malformed command; %0d of %0d command beats sent)",
                 cycle, in_i, n_in);
        die;
      end
    end
  endtask

  // Compare the result beat being taken with the next expected one.
  task check_beat;
    begin
      if (out_i >= n_out) begin
        $display("FAIL: mismatch: result beat %0d arrived after the last expected one (%0d) at cycle %0d: tdata %h tlast %b",
                 out_i, n_out, cycle, m_axis_tdata, m_axis_tlast);
        die;
      end
      exp_beat = exp_mem[out_i];
      for (lane = 0; lane < Elems; lane = lane + 1) begin
        exp_lane = exp_beat[lane*DataW +: DataW];
        got_lane = m_axis_tdata[lane*DataW +: DataW];
        if (mask_mem[out_i][lane] && got_lane !== exp_lane) begin
          $display("FAIL: mismatch: result beat %0d lane %0d: expected %0d (0x%h), got %0d (0x%h) at cycle %0d; beat expected %h got %h",
                   out_i, lane, $signed(exp_lane), exp_lane, $signed(got_lane), got_lane, cycle,
                   exp_beat, m_axis_tdata);
          die;
        end
      end
      if (m_axis_tlast !== last_mem[out_i]) begin
        $display("FAIL: mismatch: result beat %0d tlast: expected %b, got %b at cycle %0d",
                 out_i, last_mem[out_i], m_axis_tlast, cycle);
        die;
      end
    end
  endtask

  // ---- the run -------------------------------------------------------------------
  initial begin
    in_i = 0;
    out_i = 0;
    in_stalls = 0;
    out_stalls = 0;
    presenting = 1'b0;
    done = 1'b0;
    // reset: ResetCycles rising edges with rst_i high, both streams quiet
    repeat (ResetCycles) tick;
    @(negedge clk_i);
    rst_i = 1'b0;
    last_progress = cycle;

    // One iteration per cycle, starting with the clock low, in tb.cpp's order:
    // drive, settle, sample the handshakes, rising edge, account.
    while (!done) begin
      if (cycle - last_progress > timeout) begin
        $display("FAIL: timeout: no handshake for %0d cycles at cycle %0d: %0d of %0d command beats sent, %0d of %0d result beats received, idle_o %b",
                 timeout, cycle, in_i, n_in, out_i, n_out, idle_o);
        die;
      end
      // valid never waits for ready; once raised it stays, with its data,
      // until the beat is taken
      if (!presenting && in_i < n_in) begin
        draw(stall_in, hit);
        if (hit) in_stalls = in_stalls + 1;
        else presenting = 1'b1;
      end
      s_axis_tvalid = presenting;
      if (presenting) s_axis_tdata = cmd_mem[in_i];
      else if (idle_x != 0) s_axis_tdata = {StreamW{1'bx}};
      draw(stall_out, hit);
      ready = !hit;
      m_axis_tready = ready;

      #(HalfPeriod - 1);
      check_outputs;
      s_fire = presenting && s_axis_tready;
      m_fire = m_axis_tvalid && ready;
      if (m_axis_tvalid && !ready) out_stalls = out_stalls + 1;
      if (m_fire) begin
        check_beat;
        out_i = out_i + 1;
      end

      tick;
      if (s_fire) begin
        in_i = in_i + 1;
        presenting = 1'b0;
      end
      if (s_fire || m_fire) last_progress = cycle;
      @(negedge clk_i);
      if (in_i == n_in && out_i == n_out && idle_o === 1'b1) done = 1'b1;
    end
    end_cycle = cycle;

    // A few quiet cycles: nothing more may come out, and the DUT stays idle.
    s_axis_tvalid = 1'b0;
    if (idle_x != 0) s_axis_tdata = {StreamW{1'bx}};
    m_axis_tready = 1'b1;
    repeat (DrainCycles) begin
      #(HalfPeriod - 1);
      check_outputs;
      if (m_axis_tvalid) begin
        $display("FAIL: mismatch: result beat %0d arrived after the last expected one (%0d) at cycle %0d: tdata %h tlast %b",
                 out_i, n_out, cycle, m_axis_tdata, m_axis_tlast);
        die;
      end
      if (idle_o !== 1'b1) begin
        $display("FAIL: idle_o fell at cycle %0d with no command sent", cycle);
        die;
      end
      tick;
      @(negedge clk_i);
    end

    // performance counters
    if (^{perf_busy_o, perf_useful_o, perf_slots_o, perf_stall_o} === 1'bx) begin
      $display("FAIL: X in a perf counter: busy %h useful %h slots %h stall %h", perf_busy_o,
               perf_useful_o, perf_slots_o, perf_stall_o);
      die;
    end
    if (perf_slots_o != perf_busy_o * PeCount * Banks) begin
      $display("FAIL: perf_slots_o %0d != perf_busy_o %0d x %0d lanes", perf_slots_o, perf_busy_o,
               PeCount * Banks);
      die;
    end
    if (chk_useful && perf_useful_o != exp_useful) begin
      $display("FAIL: perf_useful_o %0d != %0d useful MACs of the program", perf_useful_o, exp_useful);
      die;
    end
    if (chk_busy && perf_busy_o != exp_busy_base + perf_stall_o) begin
      $display("FAIL: perf_busy_o %0d != %0d (words + runs x RunOverhead) + perf_stall_o %0d",
               perf_busy_o, exp_busy_base, perf_stall_o);
      die;
    end

    $display("PASS: %0d command beats sent, %0d result beats (%0d lanes) checked in %0d cycles; stalls in %0d out %0d; perf_busy_o %0d perf_useful_o %0d perf_slots_o %0d perf_stall_o %0d",
             n_in, n_out, n_out * Elems, end_cycle, in_stalls, out_stalls, perf_busy_o, perf_useful_o,
             perf_slots_o, perf_stall_o);
    if (tracing) $dumpflush;
    $finish;
  end

endmodule

`default_nettype wire
