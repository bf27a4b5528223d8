using System;
using System.Runtime.Intrinsics;
using DenseGen.CompilerServices;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// The Vector512 forward kernel reduces a 4 × 4 tile's sixteen accumulators with one shuffle tree
/// (<see cref="VectorMath.SumEach(Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float})"/>)
/// instead of four reductions of four. It must add the same lanes in the same order, so the numerical bounds of the
/// forward pass stand unchanged: every block must equal, to the bit, the four-vector reduction of its sample.
/// </summary>
public class TileReductionTests
{
    [Fact]
    public void SixteenAccumulatorsSumToTheBitsOfFourReductionsOfFour()
    {
        var random = new Random(5);
        var a = new Vector512<float>[16];
        for (int trial = 0; trial < 2000; trial++)
        {
            // Magnitudes 2^-20 to 2^20 and both signs: sums that cancel and round differently in any other order.
            for (int i = 0; i < a.Length; i++)
            {
                var lanes = new float[16];
                for (int lane = 0; lane < lanes.Length; lane++)
                    lanes[lane] = (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-20, 21)));
                a[i] = Vector512.Create(lanes);
            }
            Vector512<float> tile = VectorMath.SumEach(
                a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
            for (int sample = 0; sample < 4; sample++)
            {
                Vector128<float> expected = VectorMath.SumEach(a[4 * sample], a[4 * sample + 1], a[4 * sample + 2], a[4 * sample + 3]);
                for (int row = 0; row < 4; row++)
                {
                    Assert.Equal(
                        BitConverter.SingleToInt32Bits(expected.GetElement(row)),
                        BitConverter.SingleToInt32Bits(tile.GetElement(4 * sample + row)));
                }
            }
        }
    }

    [Fact]
    public void EightVectorsSumInTheOrderTheRemarksGive()
    {
        // The recurrent step reduces a block of eight rows with this tree; its remarks give the order of the additions,
        // which this checks to the bit (any other order rounds differently for some of these magnitudes).
        var random = new Random(6);
        var a = new Vector256<float>[8];
        var lanes = new float[8][];
        for (int trial = 0; trial < 2000; trial++)
        {
            for (int i = 0; i < a.Length; i++)
            {
                lanes[i] = new float[8];
                for (int lane = 0; lane < 8; lane++)
                    lanes[i][lane] = (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-20, 21)));
                a[i] = Vector256.Create(lanes[i]);
            }
            Vector256<float> sums = VectorMath.SumEach(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
            for (int row = 0; row < 8; row++)
            {
                float[] x = lanes[row];
                float expected = ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]));
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(sums.GetElement(row)));
            }
        }
    }

    [Fact]
    public void RowsOfTwoAndThreeSumToTheBitsOfARowHeldInOneVector() => RowSumChecks.Run();

    [Fact]
    public void LoadRepeatedAndStoreEachMoveWholeBlocks()
    {
        float[] source = [1, 2, 3, 4, 99];
        Vector512<float> repeated = VectorMath.LoadRepeated(ref source[0]);
        for (int lane = 0; lane < 16; lane++)
            Assert.Equal(source[lane % 4], repeated.GetElement(lane));

        var values = new float[16];
        for (int lane = 0; lane < values.Length; lane++)
            values[lane] = lane + 1;
        var destination = new float[40];
        VectorMath.StoreEach(Vector512.Create(values), ref destination[0], ref destination[10], ref destination[20], ref destination[30]);
        for (int block = 0; block < 4; block++)
        {
            for (int i = 0; i < 10; i++)
                Assert.Equal(i < 4 ? values[4 * block + i] : 0f, destination[10 * block + i]);
        }
    }
}
