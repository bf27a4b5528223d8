using System;

namespace DenseGen;

/// <summary>
/// Whether the runtime's own functions compute the same bits on every machine: the activations' exponentials and
/// hyperbolic tangents, the losses' exponentials and logarithms and Adam's bias corrections then use DenseGen's own
/// code from IEEE operations instead of <c>Math</c> and <c>MathF</c>, whose results come from the C runtime and differ
/// between platforms in the last bit. Everything else the runtime computes (ReLU, mean squared error, SGD, the rest of
/// Adam, the initializers) is the same on every machine already.
/// </summary>
/// <remarks>
/// Turn it on with the <c>AppContext</c> switch <c>DenseGen.Deterministic</c>, in the project
/// (<c>&lt;RuntimeHostConfigurationOption Include="DenseGen.Deterministic" Value="true" /&gt;</c>) or from code with
/// <c>AppContext.SetSwitch("DenseGen.Deterministic", true)</c> before DenseGen computes anything: the switch is read
/// once. The deterministic functions are correctly rounded for float on every input tested and within 3 units in the
/// last place for double; they take somewhat longer than the C runtime's.
/// </remarks>
public static class DeterministicMode
{
    /// <summary>The name of the <c>AppContext</c> switch: <c>DenseGen.Deterministic</c>.</summary>
    public const string SwitchName = "DenseGen.Deterministic";

    /// <summary>Whether the switch was on when DenseGen first read it.</summary>
    public static bool IsEnabled { get; }

    // An explicit static constructor runs at the first use of the class and not before. Without one the class would be
    // beforefieldinit, which lets the runtime initialize it at any time before that use (ECMA-335 II.10.5.3.2), for
    // example while it compiles a method that sets the switch and then reads it.
    static DeterministicMode() => IsEnabled = AppContext.TryGetSwitch(SwitchName, out bool enabled) && enabled;
}
