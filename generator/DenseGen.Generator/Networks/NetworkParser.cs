using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using DenseGen.Generator.Shared;
using DenseGen.Generator.Layers;

namespace DenseGen.Generator.Networks;

/// <summary>
/// Turns a type annotated with [Sequential] into a <see cref="NetworkSpec"/> and its diagnostics. A layer field is
/// recognized by a layer kind's attribute on its type (<see cref="LayerKinds"/>), and read by that kind's own reader into
/// its <see cref="LayerContract"/>; symbols and syntax are read here and nowhere else.
/// </summary>
internal static class NetworkParser
{
    public const string AttributeName = "DenseGen.SequentialAttribute";
    private const string TensorNameAttributeName = "DenseGen.TensorNameAttribute";

    public static ParseResult<NetworkSpec> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
            return ParseResult<NetworkSpec>.Nothing;
        AttributeData attribute = context.Attributes[0];
        // A malformed attribute already has a compiler error; adding ours would only repeat it.
        if (attribute.AttributeClass is null || attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error))
            return ParseResult<NetworkSpec>.Nothing;

        var diagnostics = new List<DiagnosticInfo>();
        string name = type.Name;
        LocationInfo? typeLocation = LocationInfo.From(declaration.Identifier);
        CheckTypeShape(type, typeLocation, diagnostics);
        CheckPartial(type, declaration, diagnostics);
        EquatableArray<ContainingType> containingTypes = Declarations.ContainingTypes(declaration);
        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        int? givenMaxBatch = ReadPositive(attribute, attributeSyntax, "MaxBatch", name, diagnostics);
        int? givenMaxSteps = ReadPositive(attribute, attributeSyntax, "MaxSteps", name, diagnostics);
        string? weights = AttributeArguments.Named(attribute, "Weights")?.Value as string;
        LocationInfo? weightsArgument = weights is null ? null : LocationInfo.From((SyntaxNode?)AttributeArguments.Syntax(attributeSyntax, "Weights") ?? attributeSyntax);
        if (weights is not null)
        {
            foreach (IMethodSymbol constructor in type.InstanceConstructors.Where(c => !c.IsImplicitlyDeclared && c.Parameters.Length == 0))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.BakedNetworkHasConstructor, LocationInfo.From(constructor.Locations.FirstOrDefault()), name));
            }
        }

        List<FieldLayer> fields = ReadLayerFields(type, name, diagnostics, cancellationToken);
        if (fields.Count == 0 && !diagnostics.Any(d => d.Descriptor.Id == DiagnosticDescriptors.NotALayerField.Id))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkHasNoLayers, typeLocation, name));
        CheckTensorNames(fields, name, diagnostics);
        ElementKind? element = CheckElementTypes(fields, diagnostics);
        CheckChain(fields, diagnostics);
        (int maxBatch, int maxSteps) = StreamsAndSteps(fields, givenMaxBatch, givenMaxSteps, name, attributeSyntax, diagnostics);
        CheckGradientPath(fields, name, diagnostics);
        if (element is not null)
        {
            bool trainable = fields.Any(f => f.Layer is { Trainable: true });
            bool sequences = fields.Any(f => f.Layer?.Contract.Streams is not null);
            MemberCollisions.Report(type, "network", NetworkMembers.For(element.Value, trainable, baked: weights is not null, sequences), diagnostics);
        }

        bool valid = !diagnostics.Any(IsError) && fields.Count > 0 && fields.All(f => f.Layer is not null) && element is not null;
        if (!valid)
            return new ParseResult<NetworkSpec>(null, diagnostics.ToEquatableArray());

        var spec = new NetworkSpec(
            Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            ContainingTypes: containingTypes,
            TypeName: name,
            IsStruct: type.TypeKind == TypeKind.Struct,
            Element: element!.Value,
            MaxBatch: maxBatch,
            Layers: fields.Select(f => f.Layer!).ToEquatableArray(),
            Weights: weights,
            MaxSteps: maxSteps);
        long bufferElements = NetworkLayout.Of(spec).Length;
        if (bufferElements > LayerLimits.MaxElements)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.InvalidMaxBatch,
                LocationInfo.From((SyntaxNode?)AttributeArguments.Syntax(attributeSyntax, "MaxBatch") ?? attributeSyntax),
                name, Number(maxBatch),
                "makes buffers of " + bufferElements.ToString("N0", CultureInfo.InvariantCulture) + " elements, more than one array can hold; lower it"));
            return new ParseResult<NetworkSpec>(null, diagnostics.ToEquatableArray());
        }
        if (spec.IsStruct)
        {
            long bytes = NetworkLayout.StorageBytes(spec);
            if (bytes > LayerLimits.StructStackWarningBytes)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LargeStructNetwork, typeLocation, name, bytes.ToString("N0", CultureInfo.InvariantCulture)));
        }
        // A deterministic network's layers must be deterministic, unless the project makes every layer so: whether it
        // does is a project setting the parser does not see, so these are reported apart (DenseGenerator).
        var unlessProjectDeterministic = new List<DiagnosticInfo>();
        if (AttributeArguments.Named(attribute, "Deterministic")?.Value is true)
        {
            foreach (FieldLayer field in fields.Where(f => f.Layer is { Deterministic: false }))
            {
                unlessProjectDeterministic.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.NetworkLayerNotDeterministic, field.Location, name, field.Field.Name, field.Field.Type.Name, field.Layer!.Contract.Kind));
            }
        }
        return new ParseResult<NetworkSpec>(spec, diagnostics.ToEquatableArray(), spec.IsStruct ? typeLocation : null, weightsArgument)
        {
            UnlessProjectDeterministic = unlessProjectDeterministic.ToEquatableArray(),
        };
    }

    /// <summary>A layer field as read, before the checks between fields; <see cref="Layer"/> is null for an invalid layer type.</summary>
    private sealed class FieldLayer
    {
        public FieldLayer(IFieldSymbol field, NetworkLayer? layer, ElementKind? element, LocationInfo? location)
        {
            Field = field;
            Layer = layer;
            Element = element;
            Location = location;
        }

        public IFieldSymbol Field { get; }

        public NetworkLayer? Layer { get; }

        public ElementKind? Element { get; }

        public LocationInfo? Location { get; }

        public string TypeName => Field.Type.Name;

        /// <summary>The streams and steps of a valid recurrent layer.</summary>
        public StreamState Streams => Layer!.Contract.Streams!;
    }

    private static bool IsError(DiagnosticInfo diagnostic) => diagnostic.Descriptor.DefaultSeverity == DiagnosticSeverity.Error;

    private static void CheckTypeShape(INamedTypeSymbol type, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        (ShapeProblem problem, string? genericOuter) = Declarations.ShapeOf(type);
        string? reason = problem switch
        {
            ShapeProblem.NotClassOrStruct => "[Sequential] applies to classes and structs only",
            ShapeProblem.Record => "records are not supported, because their generated equality and printing would walk every layer; use a class or struct",
            ShapeProblem.Static => "a static class cannot hold layers and buffers; remove 'static'",
            ShapeProblem.RefStruct => "a ref struct cannot be kept in a field or given to an optimizer; use a struct or class",
            ShapeProblem.ReadOnlyStruct => "a readonly struct cannot write its buffers or its layers' gradients; remove 'readonly'",
            ShapeProblem.Generic => "generic types are not supported, since the layers and their sizes are fixed; remove the type parameters",
            ShapeProblem.NestedInGeneric => "it is nested in the generic type '" + genericOuter + "', which is not supported; move it out",
            _ => null,
        };
        if (reason is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedNetworkShape, location, type.Name, reason));
    }

    private static void CheckPartial(INamedTypeSymbol type, TypeDeclarationSyntax declaration, List<DiagnosticInfo> diagnostics)
    {
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkNotPartial, LocationInfo.From(declaration.Identifier), type.Name, type.Name));
        foreach (TypeDeclarationSyntax outer in Declarations.NonPartialContainers(declaration))
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.NetworkNotPartial, LocationInfo.From(outer.Identifier), outer.Identifier.ValueText, type.Name));
        }
    }

    /// <summary>The runtime's <c>SequentialAttribute.DefaultMaxBatch</c>, which a test holds equal to this.</summary>
    public const int DefaultMaxBatch = 16;

    /// <summary>The attribute's <c>MaxBatch</c> or <c>MaxSteps</c>, or null when it does not set it; below 1 is DG0025 or DG0039 and reads as 1.</summary>
    private static int? ReadPositive(AttributeData attribute, AttributeSyntax? syntax, string property, string name, List<DiagnosticInfo> diagnostics)
    {
        TypedConstant? value = AttributeArguments.Named(attribute, property);
        if (value?.Value is not int given)
            return null;
        if (given >= 1)
            return given;
        LocationInfo? location = LocationInfo.From((SyntaxNode?)AttributeArguments.Syntax(syntax, property) ?? syntax);
        diagnostics.Add(property == "MaxBatch"
            ? DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMaxBatch, location, name, Number(given), "must be at least 1")
            : DiagnosticInfo.Create(DiagnosticDescriptors.NetworkStreamsDoNotFit, location, name, "has MaxSteps = " + Number(given) + ", but a sequence has at least one time step; set it to 1 or more"));
        return 1;
    }

    /// <summary>
    /// The network's streams and steps. Its recurrent fields keep state for their own <c>MaxBatch</c> streams and history
    /// for their own <c>MaxSteps</c> steps (the trainable ones), which the network's buffers must match: a value the
    /// attribute leaves unset is taken from them, and one it sets, or a field's that differs from another's, is DG0039 at
    /// the field that differs. A network without recurrent fields has no steps, so its <c>MaxSteps</c> is DG0039 too.
    /// </summary>
    private static (int MaxBatch, int MaxSteps) StreamsAndSteps(
        List<FieldLayer> fields, int? givenMaxBatch, int? givenMaxSteps, string network, AttributeSyntax? syntax, List<DiagnosticInfo> diagnostics)
    {
        List<FieldLayer> recurrent = fields.Where(f => f.Layer?.Contract.Streams is not null).ToList();
        if (recurrent.Count == 0)
        {
            if (givenMaxSteps is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.NetworkStreamsDoNotFit, LocationInfo.From((SyntaxNode?)AttributeArguments.Syntax(syntax, "MaxSteps") ?? syntax), network,
                    "sets MaxSteps, but has no recurrent field ([Lstm] or [Gru]) whose time steps it would count; remove it"));
            }
            return (givenMaxBatch ?? DefaultMaxBatch, 1);
        }
        int maxBatch = Agree(recurrent, field => field.Streams.MaxBatch, givenMaxBatch, "MaxBatch", "streams it keeps state for", network, diagnostics);
        List<FieldLayer> trained = recurrent.Where(f => f.Layer!.Trainable).ToList();
        int maxSteps = trained.Count == 0
            ? givenMaxSteps ?? 1
            : Agree(trained, field => field.Streams.MaxSteps, givenMaxSteps, "MaxSteps", "steps it keeps for Backward", network, diagnostics);
        return (maxBatch, maxSteps);
    }

    /// <summary>The value every field has, or the network gives; DG0039 at each field whose own differs.</summary>
    private static int Agree(
        List<FieldLayer> fields, System.Func<FieldLayer, int> valueOf, int? given, string property, string meaning, string network, List<DiagnosticInfo> diagnostics)
    {
        int agreed = given ?? valueOf(fields[0]);
        foreach (FieldLayer field in fields)
        {
            int own = valueOf(field);
            if (own == agreed)
                continue;
            string other = given is not null
                ? "the network sets " + property + " = " + Number(agreed)
                : "the field '" + fields[0].Field.Name + "' has " + property + " = " + Number(agreed);
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.NetworkStreamsDoNotFit, field.Location, network,
                "runs its recurrent field '" + field.Field.Name + "' (" + field.TypeName + ", " + property + " = " + Number(own) + ", the " + meaning + "), but "
                + other + "; give the layers the same " + property + (given is not null ? ", or leave the network's unset to take theirs" : "")));
        }
        return agreed;
    }

    /// <summary>
    /// DG0041 at a frozen recurrent field after a trainable one: a frozen recurrent layer keeps no steps to go back
    /// through, so no gradient could reach the trainable layer before it.
    /// </summary>
    private static void CheckGradientPath(List<FieldLayer> fields, string network, List<DiagnosticInfo> diagnostics)
    {
        FieldLayer? trainable = null;
        foreach (FieldLayer field in fields)
        {
            if (field.Layer is not { } layer)
                continue;
            if (trainable is not null && !layer.Trainable && layer.Contract.Streams is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.FrozenRecurrentBlocksGradient, field.Location, field.Field.Name, network, layer.Contract.Kind, trainable.Field.Name));
            }
            if (layer.Trainable)
                trainable ??= field;
        }
    }

    /// <summary>
    /// The instance fields the user declared, in declaration order, each read as a layer. The fields the compiler makes
    /// for auto-properties and field-like events are instance fields of the network too, which it would neither run
    /// nor account for, so each such property or event is DG0019 at its name.
    /// </summary>
    private static List<FieldLayer> ReadLayerFields(INamedTypeSymbol type, string network, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var declared = new List<(IFieldSymbol Field, VariableDeclaratorSyntax Syntax, TypeDeclarationSyntax Owner)>();
        foreach (ISymbol member in type.GetMembers())
        {
            if (HiddenFieldOwner(type, member, cancellationToken) is { } hidden)
            {
                diagnostics.Add(NotALayer(hidden, network));
                continue;
            }
            if (member is not IFieldSymbol { IsStatic: false, IsConst: false, IsImplicitlyDeclared: false } field)
                continue;
            if (field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not VariableDeclaratorSyntax syntax)
                continue;
            if (syntax.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } owner)
                continue;
            declared.Add((field, syntax, owner));
        }

        var layers = new List<FieldLayer>();
        TypeDeclarationSyntax? firstOwner = declared.Count > 0 ? declared[0].Owner : null;
        string? firstFieldName = declared.Count > 0 ? declared[0].Field.Name : null;
        foreach ((IFieldSymbol field, VariableDeclaratorSyntax syntax, TypeDeclarationSyntax owner) in declared.OrderBy(d => d.Owner == firstOwner ? 0 : 1).ThenBy(d => d.Syntax.SpanStart))
        {
            LocationInfo? location = LocationInfo.From(syntax.Identifier);
            if (field.Type.TypeKind == TypeKind.Error)
                continue;
            if (LayerKinds.Of(field.Type) is not { } kind)
            {
                diagnostics.Add(NotALayer(field, network));
                continue;
            }
            if (owner != firstOwner)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerFieldsSplitAcrossParts, location, field.Name, network, firstFieldName!));
            bool isStruct = field.Type.IsValueType;
            if (!isStruct && syntax.Initializer is null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassLayerFieldNotInitialized, location, field.Name, network, field.Type.Name));
            if (isStruct && field.IsReadOnly)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReadOnlyStructLayerField, location, field.Name, network, field.Type.Name));
            layers.Add(ReadLayer(field, kind.Kind, kind.Attribute, isStruct, location, cancellationToken));
        }
        return layers;
    }

    /// <summary>
    /// The auto-property or field-like event whose hidden instance field <paramref name="member"/> is, or the
    /// instance auto-property or field-like event <paramref name="member"/> is itself (whether the compiler lists
    /// the hidden field among the members differs between kinds and versions); null for anything else.
    /// </summary>
    private static ISymbol? HiddenFieldOwner(INamedTypeSymbol type, ISymbol member, CancellationToken cancellationToken)
    {
        switch (member)
        {
            case IPropertySymbol { IsStatic: false, IsAbstract: false, IsIndexer: false } property:
                // Reported once, at the property: its backing field, when listed, is passed over below.
                return type.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property)) ? property : null;
            case IEventSymbol { IsStatic: false, IsAbstract: false } @event:
                // A field-like event is declared by a variable declarator; one with add and remove accessors is not.
                return @event.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is VariableDeclaratorSyntax) ? @event : null;
            default:
                return null;
        }
    }

    /// <summary>DG0019 for an instance field that is not a layer, or for the property or event whose hidden field it is.</summary>
    private static DiagnosticInfo NotALayer(ISymbol member, string network)
    {
        LocationInfo? location = LocationInfo.From(member.Locations.FirstOrDefault());
        string Shown(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        (string kind, string problem, string fix) = member switch
        {
            IPropertySymbol property when LayerKinds.Of(property.Type) is not null => (
                "auto-property",
                $"holds the layer '{Shown(property.Type)}' in a hidden field, but only layer fields are layers",
                "Declare the layer as a field instead"),
            IPropertySymbol property => (
                "auto-property",
                $"keeps its value in a hidden field of type '{Shown(property.Type)}', which is not a DenseGen layer (a type with [Dense])",
                "Make the property static, give it accessors that keep the value elsewhere, or keep other state outside the network"),
            IEventSymbol @event => (
                "field-like event",
                $"keeps its handlers in a hidden field of type '{Shown(@event.Type)}', which is not a DenseGen layer (a type with [Dense])",
                "Make the event static, declare it with add and remove accessors, or keep other state outside the network"),
            IFieldSymbol field => (
                "field",
                $"has type '{Shown(field.Type)}', which is not a DenseGen layer (a type with [Dense])",
                "Make the field static, or keep other state outside the network"),
            _ => ("member", "is not a layer", "Keep other state outside the network"),
        };
        return DiagnosticInfo.Create(DiagnosticDescriptors.NotALayerField, location, kind, member.Name, network, problem, fix);
    }

    /// <summary>
    /// Reads the layer with its kind's own reader. A layer that reader rejects, for any reason, has diagnostics of its own
    /// at the layer and is not generated, so it yields no <see cref="NetworkLayer"/> and no further diagnostics here (the
    /// network is not generated either, so nothing calls members the layer lacks).
    /// </summary>
    private static FieldLayer ReadLayer(IFieldSymbol field, LayerKind kind, AttributeData attribute, bool isStruct, LocationInfo? location, CancellationToken cancellationToken)
    {
        LayerSpec? spec = field.Type is INamedTypeSymbol layerType ? kind.ReadForNetwork(layerType, attribute, cancellationToken) : null;
        // The element type is compared between layers even when a layer is invalid for another reason.
        ElementKind? element = spec?.Element ?? Declarations.ElementKindOf(AttributeArguments.Named(attribute, "ElementType"));
        NetworkLayer? layer = spec is null
            ? null
            : new NetworkLayer(field.Name, field.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), isStruct, ReadTensorName(field), spec.Contract);
        return new FieldLayer(field, layer, element, location);
    }

    /// <summary>The [TensorName] given, or the field's name with its first letter lowered, as PyTorch's attribute names usually are.</summary>
    private static string ReadTensorName(IFieldSymbol field)
    {
        AttributeData? named = field.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == TensorNameAttributeName);
        if (named is { ConstructorArguments.Length: 1 } && named.ConstructorArguments[0].Value is string given)
            return given;
        if (named is not null)
            return "";
        return char.ToLowerInvariant(field.Name[0]) + field.Name.Substring(1);
    }

    private static void CheckTensorNames(List<FieldLayer> fields, string network, List<DiagnosticInfo> diagnostics)
    {
        var owners = new Dictionary<string, string>(System.StringComparer.Ordinal);
        foreach (FieldLayer field in fields)
        {
            if (field.Layer is not { } layer)
                continue;
            string? problem = layer.TensorName.Length == 0 ? "which is empty"
                : owners.TryGetValue(layer.TensorName, out string? owner) ? "which the layer field '" + owner + "' already has"
                : null;
            if (problem is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTensorName, field.Location, field.Field.Name, network, layer.TensorName, problem));
            else
                owners.Add(layer.TensorName, field.Field.Name);
        }
    }

    private static ElementKind? CheckElementTypes(List<FieldLayer> fields, List<DiagnosticInfo> diagnostics)
    {
        FieldLayer? first = fields.FirstOrDefault(f => f.Element is not null);
        if (first is null)
            return null;
        bool same = true;
        foreach (FieldLayer field in fields)
        {
            if (field.Element is { } element && element != first.Element)
            {
                same = false;
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.LayerElementTypesDiffer, field.Location, field.Field.Name, field.TypeName, element.Keyword(),
                    first.Field.Name, first.Element!.Value.Keyword()));
            }
        }
        return same ? first.Element : null;
    }

    private static void CheckChain(List<FieldLayer> fields, List<DiagnosticInfo> diagnostics)
    {
        // In a network of sequences the other layers apply at every time step, so a size per step chains with a flat one.
        bool sequences = fields.Any(f => f.Layer?.Contract.Streams is not null);
        for (int i = 1; i < fields.Count; i++)
        {
            // An invalid layer has its own diagnostic; comparing with its sizes would only cascade.
            if (fields[i - 1].Layer is not { } previous || fields[i].Layer is not { } current)
                continue;
            LayerShape output = sequences ? previous.Contract.Output with { PerTimeStep = false } : previous.Contract.Output;
            LayerShape input = sequences ? current.Contract.Input with { PerTimeStep = false } : current.Contract.Input;
            if (!output.Chains(input))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.LayerSizesDoNotChain, fields[i].Location,
                    current.FieldName, fields[i].TypeName, input.ToString(), previous.FieldName, fields[i - 1].TypeName, output.ToString(),
                    input.SizeProperty, output.SizeProperty));
            }
        }
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
