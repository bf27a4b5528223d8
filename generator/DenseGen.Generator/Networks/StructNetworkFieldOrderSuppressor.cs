using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DenseGen.Generator.Networks;

/// <summary>
/// Suppresses CS0282 ("no defined ordering between fields in multiple declarations of partial struct") on
/// <c>[Sequential]</c> structs. A struct network keeps its buffers inline, so the generated part declares fields beside
/// the user's layer fields; nothing depends on how the runtime lays the two parts out (the layers run in the order
/// of the user's declaration, which the generator reads from the syntax), so the warning says nothing useful there.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StructNetworkFieldOrderSuppressor : DiagnosticSuppressor
{
    private static readonly SuppressionDescriptor FieldOrder = new(
        id: "DGSP0001",
        suppressedDiagnosticId: "CS0282",
        justification: "A [Sequential] struct's generated buffers may sit anywhere in its layout; the layers run in the order of the user's field declarations.");

    /// <inheritdoc />
    public override ImmutableArray<SuppressionDescriptor> SupportedSuppressions => ImmutableArray.Create(FieldOrder);

    /// <inheritdoc />
    public override void ReportSuppressions(SuppressionAnalysisContext context)
    {
        foreach (Diagnostic diagnostic in context.ReportedDiagnostics)
        {
            SyntaxTree? tree = diagnostic.Location.SourceTree;
            if (tree is null)
                continue;
            SemanticModel model = context.GetSemanticModel(tree);
            SyntaxNode node = tree.GetRoot(context.CancellationToken).FindNode(diagnostic.Location.SourceSpan);
            ISymbol? symbol = model.GetDeclaredSymbol(node, context.CancellationToken);
            if (symbol is INamedTypeSymbol { TypeKind: TypeKind.Struct } type
                && type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NetworkParser.AttributeName))
            {
                context.ReportSuppression(Suppression.Create(FieldOrder, diagnostic));
            }
        }
    }
}
