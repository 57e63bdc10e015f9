//@@ HEADER
// sparsegen_axi: the board wrapper -- sparsegen_top behind an AXI4-Lite
// register block, with AXI4-Stream command and result ports and a level
// interrupt, named so Vivado's IP packager infers every interface
// (s_axi_ctrl_*, s_axis_*, m_axis_*, aclk, aresetn; irq_o by its
// X_INTERFACE_INFO attribute: the usual name "interrupt" is a C++ word that
// -Wall lint refuses as a port name, SYMRSVDWORD).
//
// One clock; aresetn is active low and synchronous and resets the register
// block and the core.  CTRL.SOFT_RST holds only the core in reset.  The
// register map is rendered from gen/sg_regmap.c into sparsegen_regs.vh
// (included below) and sparsegen_regs.h for drivers: see either for the
// registers and the bus rules.
//
// A job: CMD_BEATS (0: until an s_axis beat with tlast), CTRL.START, the
// command stream (gen/sg_cmd.h) on s_axis, the results on m_axis;
// STATUS.DONE once the stream is in, the core idle and the last result
// gone.  Outside a job s_axis_tready is 0: no beat the job did not announce
// gets in.
//
// The streams pass straight through (no added latency): s_axis_tready is
// the core's ready gated by registered job state, m_axis comes from the
// post unit's output register, so no ready reaches a valid combinationally.
// The AXI4-Lite channels are registered: AW and W are each held in a
// register (in either order, or together), the write takes effect the cycle
// both are there and no B response is pending; a read answers one cycle
// after AR.
`default_nettype none

module sparsegen_axi #(
`include "sparsegen_params.vh"
) (
    (* X_INTERFACE_INFO = "xilinx.com:signal:clock:1.0 aclk CLK" *)
    (* X_INTERFACE_PARAMETER = "ASSOCIATED_BUSIF s_axi_ctrl:s_axis:m_axis, ASSOCIATED_RESET aresetn" *)
    input  wire                   aclk,
    (* X_INTERFACE_INFO = "xilinx.com:signal:reset:1.0 aresetn RST" *)
    (* X_INTERFACE_PARAMETER = "POLARITY ACTIVE_LOW" *)
    input  wire                   aresetn,
    // AXI4-Lite control slave
    input  wire [11:0]            s_axi_ctrl_awaddr,
    input  wire [2:0]             s_axi_ctrl_awprot,
    input  wire                   s_axi_ctrl_awvalid,
    output wire                   s_axi_ctrl_awready,
    input  wire [31:0]            s_axi_ctrl_wdata,
    input  wire [3:0]             s_axi_ctrl_wstrb,
    input  wire                   s_axi_ctrl_wvalid,
    output wire                   s_axi_ctrl_wready,
    output wire [1:0]             s_axi_ctrl_bresp,
    output wire                   s_axi_ctrl_bvalid,
    input  wire                   s_axi_ctrl_bready,
    input  wire [11:0]            s_axi_ctrl_araddr,
    input  wire [2:0]             s_axi_ctrl_arprot,
    input  wire                   s_axi_ctrl_arvalid,
    output wire                   s_axi_ctrl_arready,
    output wire [31:0]            s_axi_ctrl_rdata,
    output wire [1:0]             s_axi_ctrl_rresp,
    output wire                   s_axi_ctrl_rvalid,
    input  wire                   s_axi_ctrl_rready,
    // AXI4-Stream command stream in
    input  wire [StreamW-1:0]     s_axis_tdata,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,
    input  wire                   s_axis_tlast,
    // AXI4-Stream results out
    output wire [StreamW-1:0]     m_axis_tdata,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast,
    output wire [StreamW/8-1:0]   m_axis_tkeep,
    // level interrupt: STATUS.IRQ = DONE & IRQ_EN
    (* X_INTERFACE_INFO = "xilinx.com:signal:interrupt:1.0 irq_o INTERRUPT" *)
    (* X_INTERFACE_PARAMETER = "SENSITIVITY LEVEL_HIGH" *)
    output wire                   irq_o
);

`include "sparsegen_regs.vh"

  localparam integer Aw = SG_REGS_ADDR_W;
  localparam integer Counters = 5;  // BUSY, USEFUL, SLOTS, STALL (core), JOB_CYCLES
  localparam [2:0]   KJob = 3'd4;   // index of JOB_CYCLES among the 64-bit counters

  // ---- the core -----------------------------------------------------------
  wire        rst = !aresetn;
  reg         soft_rst_q;
  wire        core_rst = rst || soft_rst_q;
  wire        core_s_tready, core_m_tvalid, core_m_tlast, core_idle, core_err;
  wire [63:0] perf_busy, perf_useful, perf_slots, perf_stall;
  reg         in_open_q;

  sparsegen_top #(
      .PeCount(PeCount), .Banks(Banks), .DataW(DataW), .WgtW(WgtW), .AccW(AccW),
      .VbufDepth(VbufDepth), .WbufDepth(WbufDepth), .RbufDepth(RbufDepth),
      .StreamW(StreamW), .PostLanes(PostLanes), .LstmLanes(LstmLanes),
      .LstmTableBits(LstmTableBits), .LstmCDepth(LstmCDepth), .LstmCAddrW(LstmCAddrW),
      .OffW(OffW), .WaddrW(WaddrW), .GrpW(GrpW), .RotW(RotW), .WordW(WordW),
      .TreeLevels(TreeLevels), .PipeDepth(PipeDepth), .HdrBeats(HdrBeats),
      .WgtBeats(WgtBeats), .RowBeats(RowBeats), .OutBeats(OutBeats), .MaxBeats(MaxBeats),
      .PeW(PeW), .CntW(CntW), .NzW(NzW), .NzSumW(NzSumW)
  ) u_top (
      .clk_i         (aclk),
      .rst_i         (core_rst),
      .s_axis_tdata  (s_axis_tdata),
      .s_axis_tvalid (s_axis_tvalid && in_open_q),
      .s_axis_tready (core_s_tready),
      .m_axis_tdata  (m_axis_tdata),
      .m_axis_tvalid (core_m_tvalid),
      .m_axis_tready (m_axis_tready),
      .m_axis_tlast  (core_m_tlast),
      .idle_o        (core_idle),
      .err_o         (core_err),
      .perf_busy_o   (perf_busy),
      .perf_useful_o (perf_useful),
      .perf_slots_o  (perf_slots),
      .perf_stall_o  (perf_stall)
  );

  // No beat moves while the core is held in reset; outside a job the input
  // is closed (in_open_q is registered job state: no ready-to-valid path).
  assign s_axis_tready = core_s_tready && in_open_q && !core_rst;
  assign m_axis_tvalid = core_m_tvalid && !core_rst;
  assign m_axis_tlast  = core_m_tlast;
  assign m_axis_tkeep  = {(StreamW/8){1'b1}};
  wire   s_fire = s_axis_tvalid && s_axis_tready;
  wire   m_fire = m_axis_tvalid && m_axis_tready;

  // ---- registers ----------------------------------------------------------
  reg              alive_q, alive_d;          // out of reset: the readies may rise
  reg              aw_full_q, aw_full_d;      // a write address is held
  reg  [Aw-1:2]    aw_addr_q, aw_addr_d;
  reg              w_full_q, w_full_d;        // write data is held
  reg  [31:0]      w_data_q, w_data_d;
  reg  [3:0]       w_strb_q, w_strb_d;
  reg              b_valid_q, b_valid_d;
  reg  [1:0]       b_resp_q, b_resp_d;
  reg              r_valid_q, r_valid_d;
  reg  [31:0]      r_data_q, r_data_d;
  reg  [1:0]       r_resp_q, r_resp_d;
  reg  [Counters*32-1:0] hi_q, hi_d;         // HI halves latched by LO reads
  reg              soft_rst_d;
  reg              irq_en_q, irq_en_d;
  reg  [31:0]      scratch_q, scratch_d;
  reg  [31:0]      cmd_beats_q, cmd_beats_d;
  reg              busy_q, busy_d;            // a job runs
  reg              in_open_d;                 // the job's stream is not all in
  reg              done_q, done_d;
  reg              irq_q, irq_d;
  reg  [31:0]      job_beats_q, job_beats_d;  // CMD_BEATS latched by START
  reg  [31:0]      in_beats_q, in_beats_d;
  reg  [31:0]      out_beats_q, out_beats_d;
  reg  [31:0]      out_last_q, out_last_d;
  reg  [63:0]      job_cycles_q, job_cycles_d;
  reg  [4*64-1:0]  base_q, base_d;            // the core's perf counters at START

  wire [4*64-1:0]  perf_all = {perf_stall, perf_slots, perf_useful, perf_busy};

  assign s_axi_ctrl_awready = alive_q && !aw_full_q;
  assign s_axi_ctrl_wready  = alive_q && !w_full_q;
  assign s_axi_ctrl_bvalid  = b_valid_q;
  assign s_axi_ctrl_bresp   = b_resp_q;
  assign s_axi_ctrl_arready = alive_q && !r_valid_q;
  assign s_axi_ctrl_rvalid  = r_valid_q;
  assign s_axi_ctrl_rdata   = r_data_q;
  assign s_axi_ctrl_rresp   = r_resp_q;
  assign irq_o              = irq_q;

  wire aw_fire = s_axi_ctrl_awvalid && s_axi_ctrl_awready;
  wire w_fire  = s_axi_ctrl_wvalid && s_axi_ctrl_wready;
  wire ar_fire = s_axi_ctrl_arvalid && s_axi_ctrl_arready;
  wire wr_go   = aw_full_q && w_full_q && !b_valid_q;  // the held write takes effect

  // ---- read decode: data, response, and which 64-bit counter ---------------
  wire [Aw-1:0] rd_addr = {s_axi_ctrl_araddr[Aw-1:2], 2'b00};
  reg  [31:0]   status, ctrl;
  reg  [31:0]   rd_data;
  reg  [1:0]    rd_resp;
  reg           rd_lo, rd_hi;                 // a LO / HI half of counter rd_k
  reg  [2:0]    rd_k;
  reg  [63:0]   rd_cnt;                        // counter rd_k's value now

  always @* begin
    status = 32'd0;
    status[SG_STATUS_IDLE_BIT] = core_idle;
    status[SG_STATUS_ERR_BIT]  = core_err;
    status[SG_STATUS_DONE_BIT] = done_q;
    status[SG_STATUS_BUSY_BIT] = busy_q;
    status[SG_STATUS_IRQ_BIT]  = irq_q;
    ctrl = 32'd0;
    ctrl[SG_CTRL_SOFT_RST_BIT] = soft_rst_q;
    ctrl[SG_CTRL_IRQ_EN_BIT]   = irq_en_q;  // START reads 0
  end

  always @* begin
    rd_data = 32'd0;
    rd_resp = SG_RESP_OKAY;
    rd_lo   = 1'b0;
    rd_hi   = 1'b0;
    rd_k    = 3'd0;
    case (rd_addr)
      SG_REG_ID:            rd_data = SG_ID_VALUE;
      SG_REG_VERSION:       rd_data = SG_VERSION_VALUE;
      SG_REG_GEOMETRY:      rd_data = SG_GEOMETRY_VALUE;
      SG_REG_WIDTHS:        rd_data = SG_WIDTHS_VALUE;
      SG_REG_CFG_HASH_LO:   rd_data = SG_CFG_HASH_LO_VALUE;
      SG_REG_CFG_HASH_HI:   rd_data = SG_CFG_HASH_HI_VALUE;
      SG_REG_STATUS:        rd_data = status;
      SG_REG_CTRL:          rd_data = ctrl;
      SG_REG_SCRATCH:       rd_data = scratch_q;
      SG_REG_CMD_BEATS:     rd_data = cmd_beats_q;
      SG_REG_IN_BEATS:      rd_data = in_beats_q;
      SG_REG_OUT_BEATS:     rd_data = out_beats_q;
      SG_REG_OUT_LAST:      rd_data = out_last_q;
      SG_REG_BUSY_LO:       begin rd_lo = 1'b1; rd_k = 3'd0; end
      SG_REG_BUSY_HI:       begin rd_hi = 1'b1; rd_k = 3'd0; end
      SG_REG_USEFUL_LO:     begin rd_lo = 1'b1; rd_k = 3'd1; end
      SG_REG_USEFUL_HI:     begin rd_hi = 1'b1; rd_k = 3'd1; end
      SG_REG_SLOTS_LO:      begin rd_lo = 1'b1; rd_k = 3'd2; end
      SG_REG_SLOTS_HI:      begin rd_hi = 1'b1; rd_k = 3'd2; end
      SG_REG_STALL_LO:      begin rd_lo = 1'b1; rd_k = 3'd3; end
      SG_REG_STALL_HI:      begin rd_hi = 1'b1; rd_k = 3'd3; end
      SG_REG_JOB_CYCLES_LO: begin rd_lo = 1'b1; rd_k = KJob; end
      SG_REG_JOB_CYCLES_HI: begin rd_hi = 1'b1; rd_k = KJob; end
      default:              rd_resp = SG_RESP_DECERR;
    endcase
    // one subtractor for the four perf counters: the job's share of the
    // core's count (the core counts from its reset)
    if (rd_k == KJob) rd_cnt = job_cycles_q;
    else rd_cnt = perf_all[rd_k[1:0]*64 +: 64] - base_q[rd_k[1:0]*64 +: 64];
    if (rd_lo) rd_data = rd_cnt[31:0];
    if (rd_hi) rd_data = hi_q[rd_k*32 +: 32];
  end

  // ---- write decode ---------------------------------------------------------
  wire [Aw-1:0] wr_addr = {aw_addr_q, 2'b00};
  reg           wr_status, wr_ctrl, wr_scratch, wr_cmd_beats, wr_ro;

  always @* begin
    wr_status    = 1'b0;
    wr_ctrl      = 1'b0;
    wr_scratch   = 1'b0;
    wr_cmd_beats = 1'b0;
    wr_ro        = 1'b0;
    case (wr_addr)
      SG_REG_STATUS:    wr_status = 1'b1;
      SG_REG_CTRL:      wr_ctrl = 1'b1;
      SG_REG_SCRATCH:   wr_scratch = 1'b1;
      SG_REG_CMD_BEATS: wr_cmd_beats = 1'b1;
      SG_REG_ID, SG_REG_VERSION, SG_REG_GEOMETRY, SG_REG_WIDTHS, SG_REG_CFG_HASH_LO,
      SG_REG_CFG_HASH_HI, SG_REG_IN_BEATS, SG_REG_OUT_BEATS, SG_REG_OUT_LAST,
      SG_REG_BUSY_LO, SG_REG_BUSY_HI, SG_REG_USEFUL_LO, SG_REG_USEFUL_HI,
      SG_REG_SLOTS_LO, SG_REG_SLOTS_HI, SG_REG_STALL_LO, SG_REG_STALL_HI,
      SG_REG_JOB_CYCLES_LO, SG_REG_JOB_CYCLES_HI: wr_ro = 1'b1;
      default: ;
    endcase
  end

  // the byte of w_data_q that holds a bit, and whether WSTRB writes it
  wire ctrl_we   = wr_go && wr_ctrl;
  wire soft_we   = ctrl_we && w_strb_q[SG_CTRL_SOFT_RST_BIT / 8];
  wire start_we  = ctrl_we && w_strb_q[SG_CTRL_START_BIT / 8] && w_data_q[SG_CTRL_START_BIT];
  wire irq_en_we = ctrl_we && w_strb_q[SG_CTRL_IRQ_EN_BIT / 8];
  wire done_w1c  = wr_go && wr_status && w_strb_q[SG_STATUS_DONE_BIT / 8] &&
                   w_data_q[SG_STATUS_DONE_BIT];

  // ---- next state -------------------------------------------------------------
  integer i;
  reg     in_last;  // this s_axis beat is the job's last
  reg     start;

  always @* begin
    alive_d      = 1'b1;
    aw_full_d    = aw_full_q;
    aw_addr_d    = aw_addr_q;
    w_full_d     = w_full_q;
    w_data_d     = w_data_q;
    w_strb_d     = w_strb_q;
    b_valid_d    = b_valid_q;
    b_resp_d     = b_resp_q;
    r_valid_d    = r_valid_q;
    r_data_d     = r_data_q;
    r_resp_d     = r_resp_q;
    hi_d         = hi_q;
    soft_rst_d   = soft_rst_q;
    irq_en_d     = irq_en_q;
    scratch_d    = scratch_q;
    cmd_beats_d  = cmd_beats_q;
    busy_d       = busy_q;
    in_open_d    = in_open_q;
    done_d       = done_q;
    job_beats_d  = job_beats_q;
    in_beats_d   = in_beats_q;
    out_beats_d  = out_beats_q;
    out_last_d   = out_last_q;
    job_cycles_d = job_cycles_q;
    base_d       = base_q;

    // AXI4-Lite write: hold AW and W, act when both are there
    if (aw_fire) begin
      aw_full_d = 1'b1;
      aw_addr_d = s_axi_ctrl_awaddr[Aw-1:2];
    end
    if (w_fire) begin
      w_full_d = 1'b1;
      w_data_d = s_axi_ctrl_wdata;
      w_strb_d = s_axi_ctrl_wstrb;
    end
    if (b_valid_q && s_axi_ctrl_bready) b_valid_d = 1'b0;
    if (wr_go) begin
      aw_full_d = 1'b0;
      w_full_d  = 1'b0;
      b_valid_d = 1'b1;
      b_resp_d  = (wr_status || wr_ctrl || wr_scratch || wr_cmd_beats) ? SG_RESP_OKAY :
                  wr_ro ? SG_RESP_SLVERR : SG_RESP_DECERR;
    end
    for (i = 0; i < 4; i = i + 1) begin
      if (wr_go && wr_scratch && w_strb_q[i]) scratch_d[8*i +: 8] = w_data_q[8*i +: 8];
      if (wr_go && wr_cmd_beats && w_strb_q[i]) cmd_beats_d[8*i +: 8] = w_data_q[8*i +: 8];
    end
    if (soft_we) soft_rst_d = w_data_q[SG_CTRL_SOFT_RST_BIT];
    if (irq_en_we) irq_en_d = w_data_q[SG_CTRL_IRQ_EN_BIT];

    // AXI4-Lite read: answer the cycle after AR; a LO read latches its HI
    if (s_axi_ctrl_rready) r_valid_d = 1'b0;
    if (ar_fire) begin
      r_valid_d = 1'b1;
      r_data_d  = rd_data;
      r_resp_d  = rd_resp;
      if (rd_lo) hi_d[rd_k*32 +: 32] = rd_cnt[63:32];
    end

    // the job
    start   = start_we && !soft_rst_d && !busy_q;
    in_last = s_fire && ((job_beats_q != 32'd0) ? (in_beats_q + 32'd1 == job_beats_q) : s_axis_tlast);
    if (s_fire) in_beats_d = in_beats_q + 32'd1;
    if (in_last) in_open_d = 1'b0;
    if (m_fire) out_beats_d = out_beats_q + 32'd1;
    if (m_fire && core_m_tlast) out_last_d = out_last_q + 32'd1;
    if (busy_q) job_cycles_d = job_cycles_q + 64'd1;
    if (done_w1c) done_d = 1'b0;
    if (busy_q && !in_open_q && core_idle && !core_m_tvalid) begin
      busy_d = 1'b0;
      done_d = 1'b1;
    end
    if (start) begin
      busy_d       = 1'b1;
      in_open_d    = 1'b1;
      done_d       = 1'b0;
      job_beats_d  = cmd_beats_q;
      in_beats_d   = 32'd0;
      out_beats_d  = 32'd0;
      out_last_d   = 32'd0;
      job_cycles_d = 64'd0;
      base_d       = perf_all;
    end
    // a soft reset aborts the job at once; the core's counters restart from
    // 0 with its reset, the subtracted base with them
    if (soft_rst_d) begin
      busy_d    = 1'b0;
      in_open_d = 1'b0;
      done_d    = 1'b0;
    end
    if (core_rst) base_d = {(4*64){1'b0}};
    irq_d = done_d && irq_en_d;
  end

  always @(posedge aclk) begin
    if (rst) begin
      alive_q    <= 1'b0;
      aw_full_q  <= 1'b0;
      w_full_q   <= 1'b0;
      b_valid_q  <= 1'b0;
      r_valid_q  <= 1'b0;
      hi_q       <= {(Counters*32){1'b0}};
      soft_rst_q <= SG_CTRL_RESET[SG_CTRL_SOFT_RST_BIT];
      irq_en_q   <= SG_CTRL_RESET[SG_CTRL_IRQ_EN_BIT];
      scratch_q  <= SG_SCRATCH_RESET;
      cmd_beats_q <= SG_CMD_BEATS_RESET;
      busy_q     <= 1'b0;
      in_open_q  <= 1'b0;
      done_q     <= SG_STATUS_RESET[SG_STATUS_DONE_BIT];
      irq_q      <= 1'b0;
      job_beats_q <= 32'd0;
      in_beats_q <= 32'd0;
      out_beats_q <= 32'd0;
      out_last_q <= 32'd0;
      job_cycles_q <= 64'd0;
      base_q     <= {(4*64){1'b0}};
    end else begin
      alive_q    <= alive_d;
      aw_full_q  <= aw_full_d;
      w_full_q   <= w_full_d;
      b_valid_q  <= b_valid_d;
      r_valid_q  <= r_valid_d;
      hi_q       <= hi_d;
      soft_rst_q <= soft_rst_d;
      irq_en_q   <= irq_en_d;
      scratch_q  <= scratch_d;
      cmd_beats_q <= cmd_beats_d;
      busy_q     <= busy_d;
      in_open_q  <= in_open_d;
      done_q     <= done_d;
      irq_q      <= irq_d;
      job_beats_q <= job_beats_d;
      in_beats_q <= in_beats_d;
      out_beats_q <= out_beats_d;
      out_last_q <= out_last_d;
      job_cycles_q <= job_cycles_d;
      base_q     <= base_d;
    end
  end

  // data registers: no reset (meaningful only with their valid bit)
  always @(posedge aclk) begin
    aw_addr_q <= aw_addr_d;
    w_data_q  <= w_data_d;
    w_strb_q  <= w_strb_d;
    b_resp_q  <= b_resp_d;
    r_data_q  <= r_data_d;
    r_resp_q  <= r_resp_d;
  end

  // AWPROT/ARPROT carry nothing this slave uses; address bits [1:0] select
  // bytes inside a word, which WSTRB already does
  wire unused_axi = ^{s_axi_ctrl_awprot, s_axi_ctrl_arprot, s_axi_ctrl_awaddr[1:0],
                      s_axi_ctrl_araddr[1:0]};

`ifdef SG_ASSERTIONS
  // The master's side of the handshakes (a valid stays up, its payload
  // stable, until ready) and the wrapper's promise: no result outside a job.
  reg        prev_aw_q, prev_w_q, prev_ar_q, prev_s_q;
  reg [11:0] prev_awaddr_q, prev_araddr_q;
  reg [35:0] prev_w_data_q;
  always @(posedge aclk) begin
    prev_aw_q     <= aresetn && s_axi_ctrl_awvalid && !s_axi_ctrl_awready;
    prev_w_q      <= aresetn && s_axi_ctrl_wvalid && !s_axi_ctrl_wready;
    prev_ar_q     <= aresetn && s_axi_ctrl_arvalid && !s_axi_ctrl_arready;
    prev_s_q      <= aresetn && s_axis_tvalid && !s_axis_tready && !core_rst;
    prev_awaddr_q <= s_axi_ctrl_awaddr;
    prev_araddr_q <= s_axi_ctrl_araddr;
    prev_w_data_q <= {s_axi_ctrl_wstrb, s_axi_ctrl_wdata};
    if (aresetn) begin
      if (prev_aw_q && (!s_axi_ctrl_awvalid || s_axi_ctrl_awaddr != prev_awaddr_q))
        $error("sparsegen_axi: AWVALID dropped or AWADDR changed before AWREADY (instance %m)");
      if (prev_w_q && (!s_axi_ctrl_wvalid || {s_axi_ctrl_wstrb, s_axi_ctrl_wdata} != prev_w_data_q))
        $error("sparsegen_axi: WVALID dropped or WDATA/WSTRB changed before WREADY (instance %m)");
      if (prev_ar_q && (!s_axi_ctrl_arvalid || s_axi_ctrl_araddr != prev_araddr_q))
        $error("sparsegen_axi: ARVALID dropped or ARADDR changed before ARREADY (instance %m)");
      if (prev_s_q && !s_axis_tvalid && !soft_rst_q)
        $error("sparsegen_axi: s_axis_tvalid dropped before s_axis_tready (instance %m)");
      if (m_fire && !busy_q)
        $error("sparsegen_axi: a result beat left m_axis outside a job (instance %m)");
    end
  end
`endif

  initial begin
    if (SG_REGS_ADDR_W != 12)
      $error("sparsegen_axi: sparsegen_regs.vh has %0d address bits, the ports 12 (instance %m)",
             SG_REGS_ADDR_W);
    if (PeCount != {16'd0, SG_GEOMETRY_VALUE[15:0]} || Banks != {16'd0, SG_GEOMETRY_VALUE[31:16]})
      $error("sparsegen_axi: PeCount %0d / Banks %0d overridden: GEOMETRY says %0d / %0d; regenerate instead (instance %m)",
             PeCount, Banks, SG_GEOMETRY_VALUE[15:0], SG_GEOMETRY_VALUE[31:16]);
    if (StreamW != {16'd0, SG_WIDTHS_VALUE[15:0]} || DataW != {24'd0, SG_WIDTHS_VALUE[23:16]} ||
        WgtW != {24'd0, SG_WIDTHS_VALUE[31:24]})
      $error("sparsegen_axi: StreamW/DataW/WgtW overridden: WIDTHS says %0d/%0d/%0d; regenerate instead (instance %m)",
             SG_WIDTHS_VALUE[15:0], SG_WIDTHS_VALUE[23:16], SG_WIDTHS_VALUE[31:24]);
  end

endmodule

`default_nettype wire
