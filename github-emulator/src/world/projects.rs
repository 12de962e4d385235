//! Projects (GitHub's Projects v2): boards an organization or a user keeps, whose items are
//! issues, pull requests (of any repository) or draft issues, each with values of the project's
//! fields.

/// A project.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub id: u64,
    /// Numbered per owner, from 1.
    pub number: u64,
    /// The organization or user that owns it.
    pub owner: String,
    pub creator: String,
    pub title: String,
    pub short_description: Option<String>,
    pub public: bool,
    pub closed: bool,
    pub created_at: u64,
    pub updated_at: u64,
    pub fields: Vec<ProjectField>,
    pub items: Vec<ProjectItem>,
}

/// A field's kind, as the REST API's `data_type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProjectFieldKind {
    /// The item's title (every project has it; not settable through items).
    Title,
    Text,
    Number,
    Date,
    SingleSelect,
}

impl ProjectFieldKind {
    pub fn name(self) -> &'static str {
        match self {
            ProjectFieldKind::Title => "title",
            ProjectFieldKind::Text => "text",
            ProjectFieldKind::Number => "number",
            ProjectFieldKind::Date => "date",
            ProjectFieldKind::SingleSelect => "single_select",
        }
    }
}

/// A field of a project.
#[derive(Debug, Clone)]
pub(crate) struct ProjectField {
    pub id: u64,
    pub name: String,
    pub kind: ProjectFieldKind,
    /// For single select: (option id, name, color).
    pub options: Vec<(String, String, String)>,
    pub created_at: u64,
}

/// What an item tracks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ItemContent {
    /// An issue or pull request: its repository and number.
    Issue {
        owner: String,
        repo: String,
        number: u64,
    },
    Draft {
        title: String,
        body: String,
    },
}

/// A value of a field on an item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ItemValue {
    Text(String),
    Number(f64),
    Date(String),
    /// A single select option's id.
    Option(String),
}

/// An item of a project.
#[derive(Debug, Clone)]
pub(crate) struct ProjectItem {
    pub id: u64,
    pub content: ItemContent,
    pub creator: String,
    pub values: Vec<(u64, ItemValue)>,
    pub created_at: u64,
    pub updated_at: u64,
}

impl Project {
    pub fn field(&self, id: u64) -> Option<&ProjectField> {
        self.fields.iter().find(|f| f.id == id)
    }
}
