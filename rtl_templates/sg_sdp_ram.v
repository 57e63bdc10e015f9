// sg_sdp_ram: simple dual-port RAM, one write port, one registered read port.
//
// Every buffer bank of sparsegen is one instance of this module, so each is
// its own memory that Yosys and Vivado map to block RAM or LUTRAM.  The read
// data register only loads when re_i is high, so a stalled pipeline holds it.
// Read and write use separate addresses (a shared address crashed
// synth_xilinx on deep memories, see TOOLNOTES).  Reading an address in the
// cycle it is written returns the old data; sparsegen never does both.
`default_nettype none

module sg_sdp_ram #(
    parameter integer Width = 8,  // bits per word
    parameter integer Depth = 16, // words
    parameter integer AddrW = 4   // address bits, >= clog2(Depth)
) (
    input  wire             clk_i,
    input  wire             we_i,    // write enable
    input  wire [AddrW-1:0] waddr_i, // write address
    input  wire [Width-1:0] wdata_i, // write data
    input  wire             re_i,    // read enable: rdata_o loads mem[raddr_i]
    input  wire [AddrW-1:0] raddr_i, // read address
    output wire [Width-1:0] rdata_o  // registered read data
);

  reg [Width-1:0] mem[0:Depth-1];
  reg [Width-1:0] rdata_q;

  always @(posedge clk_i) begin
    if (we_i) mem[waddr_i] <= wdata_i;
  end

  always @(posedge clk_i) begin
    if (re_i) rdata_q <= mem[raddr_i];
  end

  assign rdata_o = rdata_q;

  initial begin
    if ((1 << AddrW) < Depth) $error("sg_sdp_ram: AddrW %0d too small for Depth %0d (instance %m)", AddrW, Depth);
  end

endmodule

`default_nettype wire
