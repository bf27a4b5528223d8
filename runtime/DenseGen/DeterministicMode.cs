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
/// <para>
/// The mode is one setting for the whole process, read once, the first time DenseGen needs it. Three things turn it on
/// before that: the <c>AppContext</c> switch <c>DenseGen.Deterministic</c> (which
/// <c>&lt;DenseGenDeterministic&gt;true&lt;/DenseGenDeterministic&gt;</c> sets in an app's runtimeconfig, or
/// <c>AppContext.SetSwitch("DenseGen.Deterministic", true)</c> from code), and <see cref="Require"/>, which the code
/// DenseGen generates calls for every assembly with a deterministic layer or network, or built with
/// <c>&lt;DenseGenDeterministic&gt;</c>: so a library's deterministic network turns the mode on for the app that uses
/// it. Once the mode has been read as off, or where the switch is set to false, nothing turns it on, and
/// <see cref="Require"/> throws.
/// </para>
/// <para>
/// The deterministic functions are correctly rounded for float on every input tested and within 3 units in the last
/// place for double; they take somewhat longer than the C runtime's.
/// </para>
/// </remarks>
public static class DeterministicMode
{
    /// <summary>The name of the <c>AppContext</c> switch: <c>DenseGen.Deterministic</c>.</summary>
    public const string SwitchName = "DenseGen.Deterministic";

    // Guards the moment the switch is read against Require setting it at the same time.
    private static readonly object s_gate = new();
    private static bool s_read;
    // Set once Require has seen the mode on, so that later calls (portable layers call it from every Forward) cost a
    // field read.
    private static bool s_required;

    /// <summary>
    /// Whether the mode is on. The first read (by this property, or by any of DenseGen's functions that depend on the
    /// mode) settles it for the rest of the process.
    /// </summary>
    public static bool IsEnabled => Setting.Enabled;

    /// <summary>
    /// Turns the mode on for the whole process if DenseGen has not read it yet (and the switch is not set to false), and
    /// checks that it is on. Generated code
    /// calls this for deterministic layers and networks (from a module initializer on .NET, from their entry points in
    /// the portable output); call it yourself first thing in <c>Main</c> if your own code depends on the mode.
    /// </summary>
    /// <param name="who">What needs the mode, for the error message: for example <c>"assembly 'Game.Simulation'"</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="who"/> is null.</exception>
    /// <exception cref="InvalidOperationException">
    /// DenseGen had already read the mode as off, or the switch is set to false: the losses, optimizers and activations of
    /// this process use the platform's math, so the same bits on every machine cannot be had. The message names <paramref name="who"/>
    /// and how to turn the mode on before anything reads it.
    /// </exception>
    public static void Require(string who)
    {
        if (who is null)
            throw new ArgumentNullException(nameof(who));
        if (s_required)
            return;
        lock (s_gate)
        {
            // A switch set to false on purpose (in the runtimeconfig or by SetSwitch) is a decision, not an absence: it
            // stays, and the check below refuses it.
            if (!s_read && !AppContext.TryGetSwitch(SwitchName, out _))
                AppContext.SetSwitch(SwitchName, true);
        }
        // Read outside the lock: Setting's static constructor takes it, and another thread may be running that
        // constructor while waiting for the lock.
        if (!Setting.Enabled)
        {
            throw new InvalidOperationException(
                who + " needs DenseGen's deterministic mode, but the DenseGen.Deterministic switch is set to false, or DenseGen had "
                + "already read the mode as off, so this process "
                + "computes losses, optimizer steps and activations with the platform's math, which differs between machines. "
                + "Turn the mode on before DenseGen computes anything: set <DenseGenDeterministic>true</DenseGenDeterministic> "
                + "in the app's project (a class library's setting does not reach the app's runtimeconfig), or call "
                + "AppContext.SetSwitch(\"" + SwitchName + "\", true) first thing in Main. See docs/determinism.md.");
        }
        s_required = true;
    }

    private static bool ReadSwitch()
    {
        lock (s_gate)
        {
            s_read = true;
            return AppContext.TryGetSwitch(SwitchName, out bool enabled) && enabled;
        }
    }

    // The setting lives in a class of its own so that it is read at its first use and then is a constant to the JIT.
    private static class Setting
    {
        public static readonly bool Enabled = ReadSwitch();

        // An explicit static constructor runs at the first use of the class and not before. Without one the class would
        // be beforefieldinit, which lets the runtime initialize it at any time before that use (ECMA-335 II.10.5.3.2),
        // for example while it compiles a method that sets the switch and then reads it.
        static Setting()
        {
        }
    }
}
