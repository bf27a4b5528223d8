// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
using Math = DenseGen.Generator.DeterministicMath;
#else
namespace DenseGen.Formats;
using Math = DenseGen.DeterministicMath;
#endif

/// <summary>
/// The float functions the generator folds an ONNX graph's constant branches with (<c>Exp</c> of a log standard
/// deviation, a clamp, arithmetic), one value at a time. The generator folds with them at compile time, and an
/// <c>[OnnxModel]</c> class's <c>LoadOnnx</c> folds a newer file's initializers with them again, so the two give the
/// same bits: both are this code, and the transcendental ones are DenseGen's own (<see cref="Math"/>), not the C
/// runtime's.
/// </summary>
internal static class OnnxFold
{
    /// <summary>An initializer's element: <c>A</c> is the initializer's slot in the signature, <c>B</c> the element.</summary>
    public const int Element = 0;

    /// <summary>A constant, <c>X</c>.</summary>
    public const int Literal = 1;

    // Functions of expression A (Clip between X and Y).
    public const int Exp = 2, Log = 3, Sigmoid = 4, Tanh = 5, Relu = 6, Clip = 7;

    // Arithmetic on expressions A and B.
    public const int Add = 8, Sub = 9, Mul = 10, Div = 11;

    /// <summary>The op's code for an ONNX op type it folds, or -1.</summary>
    public static int Of(string opType) => opType switch
    {
        "Exp" => Exp,
        "Log" => Log,
        "Sigmoid" => Sigmoid,
        "Tanh" => Tanh,
        "Relu" => Relu,
        "Clip" => Clip,
        "Add" => Add,
        "Sub" => Sub,
        "Mul" => Mul,
        "Div" => Div,
        _ => -1,
    };

    public static bool IsUnary(int op) => op >= Exp && op <= Clip;

    public static bool IsBinary(int op) => op >= Add && op <= Div;

    /// <summary>A function of one value; for Clip, <c>min(max(v, low), high)</c> as ONNX defines it (high wins where low &gt; high, NaN passes).</summary>
    public static float Unary(int op, float v, float low, float high)
    {
        switch (op)
        {
            case Exp:
                return Math.Exp(v);
            case Log:
                return Math.Log(v);
            case Sigmoid:
                return Math.Sigmoid(v);
            case Tanh:
                return Math.Tanh(v);
            case Relu:
                return v < 0 ? 0 : v;
            default:
                float x = v < low ? low : v;
                return x > high ? high : x;
        }
    }

    /// <summary>
    /// A float's bits, as folded values, pins and the signature compare them (NaNs and the two zeros told apart), without
    /// the allocation of <c>BitConverter.GetBytes</c>; <c>SingleToInt32Bits</c> is not in .NET Standard 2.0, and the
    /// generator compiles no unsafe code.
    /// </summary>
    public static int Bits(float value) => new FloatBits { Float = value }.Int;

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit)]
    private struct FloatBits
    {
        [System.Runtime.InteropServices.FieldOffset(0)]
        public float Float;

        [System.Runtime.InteropServices.FieldOffset(0)]
        public int Int;
    }

    /// <summary>One IEEE operation on two floats.</summary>
    public static float Binary(int op, float l, float r) => op switch
    {
        Add => l + r,
        Sub => l - r,
        Mul => l * r,
        _ => l / r,
    };
}
