using DenseGen.Generator.Model;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>One of the hardware vector sizes a kernel can be written for, with the names the emitted code uses.</summary>
internal sealed class VectorWidth
{
    private VectorWidth(int bits, ElementKind element)
    {
        Bits = bits;
        Lanes = bits / (8 * element.Size());
        Name = "Vector" + bits.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Static = "global::System.Runtime.Intrinsics." + Name;
        Type = Static + "<" + element.Keyword() + ">";
    }

    /// <summary>512, 256 or 128.</summary>
    public int Bits { get; }

    /// <summary>Elements per vector.</summary>
    public int Lanes { get; }

    /// <summary><c>Vector256</c>: used in method names.</summary>
    public string Name { get; }

    /// <summary>The static class, e.g. <c>global::System.Runtime.Intrinsics.Vector256</c>.</summary>
    public string Static { get; }

    /// <summary>The vector type, e.g. <c>global::System.Runtime.Intrinsics.Vector256&lt;float&gt;</c>.</summary>
    public string Type { get; }

    /// <summary>The widths, widest first, whose vectors fit in one input row: narrower rows gain nothing from them.</summary>
    public static VectorWidth[] For(DenseSpec spec) => Fitting(spec.Element, spec.In);

    /// <summary>The widths, widest first, whose vectors fit in one sample's outputs: those of a kernel vectorized along the outputs (<see cref="AlongOutputsKernel"/>).</summary>
    public static VectorWidth[] ForOutputs(DenseSpec spec) => Fitting(spec.Element, spec.Out);

    private static VectorWidth[] Fitting(ElementKind element, int length)
    {
        var widths = new System.Collections.Generic.List<VectorWidth>();
        foreach (int bits in new[] { 512, 256, 128 })
        {
            var width = new VectorWidth(bits, element);
            if (width.Lanes <= length)
                widths.Add(width);
        }
        return widths.ToArray();
    }
}
