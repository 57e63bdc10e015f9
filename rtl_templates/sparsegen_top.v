//@@ HEADER
// sparsegen_top: the accelerator for one hardware configuration.
//
// Command stream in on s_axis, results out on m_axis (AXI4-Stream
// valid/ready; gen/sg_cmd.h has the formats).  Synchronous active-high reset.
// Performance counters and status are plain ports; the board wrapper maps
// them to AXI4-Lite.  The parameters come from sparsegen_params.vh, written
// by `sparsegen gen` from the configuration: regenerate, do not override.
`default_nettype none

module sparsegen_top #(
`include "sparsegen_params.vh"
) (
    input  wire               clk_i,
    input  wire               rst_i,
    input  wire [StreamW-1:0] s_axis_tdata,
    input  wire               s_axis_tvalid,
    output wire               s_axis_tready,
    output wire [StreamW-1:0] m_axis_tdata,
    output wire               m_axis_tvalid,
    input  wire               m_axis_tready,
    output wire               m_axis_tlast,
    output wire               idle_o,
    output wire               err_o,
    output wire [63:0]        perf_busy_o,
    output wire [63:0]        perf_useful_o,
    output wire [63:0]        perf_slots_o,
    output wire [63:0]        perf_stall_o
);

  sg_core #(
      .PeCount(PeCount), .Banks(Banks), .DataW(DataW), .WgtW(WgtW), .AccW(AccW),
      .VbufDepth(VbufDepth), .WbufDepth(WbufDepth), .RbufDepth(RbufDepth),
      .StreamW(StreamW), .OffW(OffW), .WaddrW(WaddrW), .GrpW(GrpW),
      .WordW(WordW), .TreeLevels(TreeLevels), .PipeDepth(PipeDepth),
      .HdrBeats(HdrBeats), .WgtBeats(WgtBeats), .RowBeats(RowBeats), .OutBeats(OutBeats),
      .MaxBeats(MaxBeats), .PeW(PeW), .CntW(CntW), .NzW(NzW), .NzSumW(NzSumW),
      .RotW(RotW), .PostLanes(PostLanes), .LstmLanes(LstmLanes),
      .LstmTableBits(LstmTableBits), .LstmCDepth(LstmCDepth), .LstmCAddrW(LstmCAddrW)
  ) u_core (
      .clk_i          (clk_i),
      .rst_i          (rst_i),
      .s_axis_tdata_i (s_axis_tdata),
      .s_axis_tvalid_i(s_axis_tvalid),
      .s_axis_tready_o(s_axis_tready),
      .m_axis_tdata_o (m_axis_tdata),
      .m_axis_tvalid_o(m_axis_tvalid),
      .m_axis_tready_i(m_axis_tready),
      .m_axis_tlast_o (m_axis_tlast),
      .idle_o         (idle_o),
      .err_o          (err_o),
      .perf_busy_o    (perf_busy_o),
      .perf_useful_o  (perf_useful_o),
      .perf_slots_o   (perf_slots_o),
      .perf_stall_o   (perf_stall_o)
  );

endmodule

`default_nettype wire
