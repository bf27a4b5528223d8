using System.Linq;

namespace DenseGen.Generator.Model;

/// <summary>The activation of a layer, with the values of the runtime's <c>DenseGen.Activation</c>.</summary>
internal enum ActivationKind
{
    None = 0,
    ReLU = 1,
    LeakyReLU = 2,
    Sigmoid = 3,
    Tanh = 4,
}

/// <summary>What the generator knows of one activation.</summary>
/// <param name="Kind">Its value, the runtime enum's.</param>
/// <param name="Formula">How the generated docs write it: <c>y = relu(W x + b)</c>.</param>
/// <param name="FusedIntoForward">Whether the forward kernels apply it as they store each output, instead of the
/// runtime's activation running over the outputs afterwards.</param>
internal sealed record ActivationInfo(ActivationKind Kind, string Formula, bool FusedIntoForward)
{
    /// <summary>The member name, in the runtime's <c>Activation</c> enum and its <c>Activations</c> functions.</summary>
    public string Name => Kind.ToString();
}

/// <summary>
/// Every activation, in one table the parser (which values are accepted), DG0013 (the names it suggests) and the
/// emitter (docs, fusing, which runtime function to call) read. Adding one takes a row here and a member of
/// <see cref="ActivationKind"/>, then on the runtime's side a member of <c>Activation</c> with the same name and value
/// and its functions in <c>Activations.Vectorized.cs</c> and <c>Activations.Portable.cs</c>; a test checks that the
/// two enums agree.
/// </summary>
internal static class ActivationTable
{
    /// <summary>One row per activation, in the order of their values (0, 1, 2, ...), so a value indexes its row.</summary>
    public static readonly ActivationInfo[] All =
    {
        new(ActivationKind.None, "", FusedIntoForward: false),
        new(ActivationKind.ReLU, "relu", FusedIntoForward: true),
        new(ActivationKind.LeakyReLU, "leaky_relu", FusedIntoForward: false),
        new(ActivationKind.Sigmoid, "sigmoid", FusedIntoForward: false),
        new(ActivationKind.Tanh, "tanh", FusedIntoForward: false),
    };

    /// <summary>Whether an <c>Activation</c> argument's value is one of the runtime's <c>Activation</c> members.</summary>
    public static bool IsDefined(int value) => value >= 0 && value < All.Length;

    public static ActivationInfo Of(ActivationKind kind) => All[(int)kind];

    /// <summary>The names as DG0013 suggests them: "None, ReLU, LeakyReLU, Sigmoid or Tanh".</summary>
    public static string NameList() =>
        string.Join(", ", All.Take(All.Length - 1).Select(a => a.Name)) + " or " + All[All.Length - 1].Name;
}
