using System;
using System.Linq;
using System.Reflection;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Model;
using DenseGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests;

/// <summary>
/// Every generated method of the largest layers stays inside the limits past which RyuJIT gives up optimizing
/// (and a kernel would run many times slower), in Auto mode; and the planner's IL estimate, which DG0011 quotes,
/// is close to what the compiler really emits.
/// </summary>
public class IlSizeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1024, 1024, "float")]
    [InlineData(1024, 1024, "double")]
    [InlineData(784, 128, "float")]
    [InlineData(2048, 64, "float")]
    [InlineData(16, 1024, "float")]
    [InlineData(301, 297, "double")]
    [InlineData(128, 10, "float")]
    // The largest layers the kernel along the outputs takes, with its inputs spelled out (16) and looped (64).
    [InlineData(16, 512, "float")]
    [InlineData(64, 128, "float")]
    public void AutoKernelsStayWithinJitLimits(int inputs, int outputs, string element)
    {
        Type layer = CompileLayer(inputs, outputs, element, full: false);
        AssertWithinJitLimits(layer, $"{inputs}x{outputs} {element}", "__DenseForwardVector");
    }

    /// <summary>Deterministic layers: every vector width's tiles, in one method per pass.</summary>
    [Theory]
    [InlineData(784, 128, "float")]
    [InlineData(100, 67, "float")]
    [InlineData(17, 33, "double")]
    [InlineData(1024, 1024, "double")]
    public void DeterministicKernelsStayWithinJitLimits(int inputs, int outputs, string element)
    {
        Type layer = CompileLayer(inputs, outputs, element, full: false, extra: ", Deterministic = true");
        AssertWithinJitLimits(layer, $"deterministic {inputs}x{outputs} {element}", "__DenseForwardPortable");
    }

    /// <summary>
    /// Recurrent layers: the step and Backward through time of three stacked layers of 256 (each layer's code written out
    /// once), and the gates' kernels in their nested classes, deterministic (element by element) or not; and the fused
    /// step's kernels at the sizes that write the most of them out: every gate's rows of five and six 256-bit vectors in
    /// one method (an LSTM's first layer of Hidden 40, a GRU's of Hidden 48; the layers above them walk their weights
    /// both ways, one method per gate), a layer of Hidden 80 that walks, and an LSTM's state in one vector (Hidden 8).
    /// </summary>
    [Theory]
    [InlineData("Lstm", "In = 64, Hidden = 256, Layers = 3", false, "__DenseForwardVector")]
    [InlineData("Gru", "In = 64, Hidden = 256, Layers = 3", false, "__DenseForwardVector")]
    [InlineData("Lstm", "In = 64, Hidden = 256, Layers = 3", true, "__DenseCellStep")]
    [InlineData("Gru", "In = 64, Hidden = 256, Layers = 3", true, "__DenseCellStep")]
    [InlineData("Lstm", "In = 3, Hidden = 40, Layers = 2", false, "__DenseLayerStep")]
    [InlineData("Gru", "In = 3, Hidden = 48, Layers = 2", false, "__DenseLayerStep")]
    [InlineData("Lstm", "In = 1, Hidden = 80", false, "__DenseGateSums")]
    [InlineData("Lstm", "In = 2, Hidden = 8", false, "__DenseLayerStep")]
    public void RecurrentLayersStayWithinJitLimits(string kind, string sizes, bool deterministic, string expectedKernel)
    {
        Assembly assembly = GeneratorHarness.CompileAndLoad(
            $"[DenseGen.{kind}({sizes}, MaxBatch = 4, MaxSteps = 64, TrainInitialState = true, Deterministic = {(deterministic ? "true" : "false")})] public partial class Measured;");
        Type layer = assembly.GetType("Measured")!;
        AssertWithinJitLimits(layer, $"{kind} {sizes}{(deterministic ? ", deterministic" : "")}", expectedKernel, layer.GetNestedTypes(BindingFlags.NonPublic));
    }

    private void AssertWithinJitLimits(Type layer, string shape, string expectedKernel, Type[]? nested = null)
    {
        MethodInfo[] methods = new[] { layer }.Concat(nested ?? [])
            .SelectMany(type => type.GetMethods(BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(m => m.GetMethodBody() is not null)
            .ToArray();
        Assert.Contains(methods, m => m.Name.StartsWith(expectedKernel, StringComparison.Ordinal));

        foreach (MethodInfo method in methods)
        {
            IlMeasure measure = IlInspector.Measure(method);
            output.WriteLine($"  {method.Name}: {measure}");
            string what = $"{shape} {method.Name}: {measure}";
            Assert.True(measure.Bytes < IlInspector.MaxBytes, what);
            Assert.True(measure.Instructions < IlInspector.MaxInstructions, what);
            Assert.True(measure.Locals < IlInspector.MaxLocals, what);
            Assert.True(measure.LocalReferences < IlInspector.MaxLocalReferences, what);
            Assert.True(measure.BasicBlocksUpperBound < IlInspector.MaxBasicBlocks, what);
        }
        MethodInfo largest = methods.MaxBy(m => IlInspector.Measure(m).Bytes)!;
        output.WriteLine($"{shape}: largest method {largest.Name}, {IlInspector.Measure(largest)}");
    }

    [Theory]
    [InlineData(64, 48, false)]
    [InlineData(40, 24, true)]
    [InlineData(33, 7, false)]
    public void IlEstimateMatchesCompiledSize(int inputs, int outputs, bool isDouble)
    {
        ElementKind element = isDouble ? ElementKind.Float64 : ElementKind.Float32;
        var spec = new DenseSpec(null, EquatableArray<ContainingType>.Empty, "Estimated", false, element, inputs, outputs, FullUnroll: true);
        Type layer = CompileLayer(inputs, outputs, element == ElementKind.Float64 ? "double" : "float", full: true);
        foreach (VectorWidth width in VectorWidth.For(spec))
        {
            foreach (KernelKind kind in Enum.GetValues<KernelKind>())
            {
                string name = KernelPlanner.KernelName(kind, width);
                int actual = IlInspector.Measure(layer.GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!).Bytes;
                int estimate = KernelPlanner.Statements(spec, width, kind, Unrolling.Full) * KernelPlanner.IlBytesPerStatement;
                double ratio = (double)estimate / actual;
                output.WriteLine($"{inputs}x{outputs} {element} {name}: estimated {estimate} bytes, compiled {actual} ({ratio:F2}×)");
                // The estimate steers a warning, not a limit: within a factor of 1.5 either way is what it promises.
                Assert.InRange(ratio, 1 / 1.5, 1.5);
            }
        }
    }

    private static Type CompileLayer(int inputs, int outputs, string element, bool full, string extra = "")
    {
        string unroll = full ? ", Unroll = DenseGen.UnrollMode.Full" : "";
        Assembly assembly = GeneratorHarness.CompileAndLoad(
            $"[DenseGen.Dense(In = {inputs}, Out = {outputs}, ElementType = typeof({element}){unroll}{extra})] public partial class Measured;");
        return assembly.GetType("Measured")!;
    }
}
