using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Determinism;

/// <summary>
/// Whether an assembly needs the runtime's deterministic mode (<c>DenseGen.DeterministicMode</c>) on for its whole
/// process, and how generated code asks for it: the losses, optimizers and activations a deterministic network trains
/// with live in the runtime, whose mode is one setting per process, so an attribute alone would otherwise leave them on
/// the platform's math.
/// </summary>
/// <param name="AssemblyName">The assembly being compiled, named in the error the runtime gives when the mode was read as off.</param>
/// <param name="ProjectDeterministic">Whether the project sets <c>&lt;DenseGenDeterministic&gt;true&lt;/DenseGenDeterministic&gt;</c>.</param>
/// <param name="HasDeterministicTypes">Whether the assembly declares a deterministic layer, or a network of deterministic layers.</param>
/// <param name="OptedOut">
/// Whether the project sets <c>&lt;DenseGenRequireDeterministicMode&gt;false&lt;/DenseGenRequireDeterministicMode&gt;</c>:
/// its deterministic types then leave the process's mode alone (for tests and benchmarks that compare both modes in
/// one process).
/// </param>
/// <param name="Mode">Which output the compilation gets.</param>
internal sealed record DeterministicModeRequirement(
    string AssemblyName, bool ProjectDeterministic, bool HasDeterministicTypes, bool OptedOut, OutputMode Mode)
{
    /// <summary>The MSBuild property that opts a project out, as the compiler sees it.</summary>
    public const string OptOutProperty = "build_property.DenseGenRequireDeterministicMode";

    /// <summary>The MSBuild property that makes a whole project deterministic, as the compiler sees it.</summary>
    public const string ProjectProperty = "build_property.DenseGenDeterministic";

    /// <summary>
    /// Whether a module initializer asks for the mode: on the full output (.NET 8+, which has
    /// <c>[ModuleInitializer]</c>), when the assembly has deterministic types or the property, unless it opted out. The
    /// portable output has no module initializers (Unity's compiler ignores them), so its deterministic types ask from
    /// their entry points instead (<see cref="RequireCall"/>).
    /// </summary>
    public bool NeedsModuleInitializer =>
        Mode == OutputMode.Full && !OptedOut && (ProjectDeterministic || HasDeterministicTypes);

    /// <summary>
    /// The first statement of a deterministic layer's or network's entry points in the portable output, naming the type in
    /// the error; nothing when <paramref name="applies"/> is false.
    /// </summary>
    public static void WriteCall(IndentedWriter w, bool applies, string? @namespace, EquatableArray<ContainingType> containingTypes, string typeName, string kind)
    {
        if (applies)
        {
            w.Line("global::DenseGen.DeterministicMode.Require(\"the deterministic " + kind + " '"
                + GeneratedFile.HintName(@namespace, containingTypes, typeName, "") + "'\");");
        }
    }

    /// <summary>The documentation of what <see cref="WriteCall"/>'s statement throws, for the same entry points.</summary>
    public static void WriteDoc(IndentedWriter w, bool applies)
    {
        if (applies)
        {
            w.Line("/// <exception cref=\"global::System.InvalidOperationException\">DenseGen's deterministic mode, which this type turns on for the process,");
            w.Line("/// was already read as off or its switch is set to false (see <see cref=\"global::DenseGen.DeterministicMode.Require\"/>). Nothing is written.</exception>");
        }
    }
}
