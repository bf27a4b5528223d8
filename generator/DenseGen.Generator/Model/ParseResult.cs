namespace DenseGen.Generator.Model;

/// <summary>What both pipelines' specs tell the shared pipeline code: the type's name and whether it is a struct.</summary>
internal interface IGeneratedTypeSpec
{
    string TypeName { get; }

    bool IsStruct { get; }

    /// <summary>Whether everything the emitter needs is there; a network whose weight file could not be baked is not (its error is reported apart).</summary>
    bool IsComplete { get; }

    /// <summary>Whether only the full output can compile it: a struct (inline arrays), or a network holding a struct layer (which the portable output does not generate).</summary>
    bool RequiresFullTarget { get; }
}

/// <summary>
/// What a parser found for one annotated type: the spec to emit (null when the declaration is invalid) and the
/// diagnostics to report. The two are split into separate pipeline steps so that moving a declaration, which changes
/// only diagnostic locations, leaves the source output cached. <see cref="StructDeclaration"/> is the identifier of a
/// valid struct, kept apart from the spec for the same reason: whether it draws DG0015 or DG0028 depends on the target,
/// which the parser does not see. <see cref="WeightsArgument"/> is where a network's <c>Weights</c> is written, for the
/// diagnostics of the file it names.
/// </summary>
internal sealed record ParseResult<TSpec>(TSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, LocationInfo? StructDeclaration = null, LocationInfo? WeightsArgument = null)
    where TSpec : class, IGeneratedTypeSpec
{
    public static readonly ParseResult<TSpec> Nothing = new(null, EquatableArray<DiagnosticInfo>.Empty);

    /// <summary>Diagnostics that hold only when the project does not make every layer deterministic (DenseGenDeterministic).</summary>
    public EquatableArray<DiagnosticInfo> UnlessProjectDeterministic { get; init; } = EquatableArray<DiagnosticInfo>.Empty;

    /// <summary>The same result, typed by a base of its spec: a kind's reader gives its own spec, the pipelines take any layer's.</summary>
    public ParseResult<TBase> As<TBase>()
        where TBase : class, IGeneratedTypeSpec =>
        new((TBase?)(object?)Spec, Diagnostics, StructDeclaration, WeightsArgument) { UnlessProjectDeterministic = UnlessProjectDeterministic };
}
