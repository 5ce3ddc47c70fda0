//! Collects problems from every stage and places each in the file.

use std::path::Path;

use super::error::{ConfigError, Problem};
use super::yaml::{Document, Position};

pub struct Report<'a> {
    file: &'a Path,
    documents: &'a [Document],
    errors: Vec<ConfigError>,
}

impl<'a> Report<'a> {
    pub fn new(file: &'a Path, documents: &'a [Document]) -> Self {
        Self {
            file,
            documents,
            errors: Vec::new(),
        }
    }

    /// A problem in `document`, located at its pointer or the nearest ancestor written.
    pub fn add(&mut self, document: usize, problem: Problem) {
        let location = self
            .documents
            .get(document)
            .and_then(|document| document.locations.locate(&problem.pointer));
        self.add_at(location, problem);
    }

    /// A problem about a mapping entry's key (a property that should not be there).
    pub fn add_at_key(&mut self, document: usize, problem: Problem) {
        let location = self.documents.get(document).and_then(|document| {
            let locations = &document.locations;
            locations
                .key(&problem.pointer)
                .or_else(|| locations.locate(&problem.pointer))
        });
        self.add_at(location, problem);
    }

    pub fn add_at(&mut self, location: Option<Position>, problem: Problem) {
        self.errors.push(ConfigError {
            file: Some(self.file.to_path_buf()),
            pointer: problem.pointer,
            location,
            message: problem.message,
            hint: problem.hint,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Every error, in file order, each once.
    pub fn into_errors(self) -> Vec<ConfigError> {
        let mut errors = self.errors;
        errors.sort_by(|a, b| {
            (a.location, &a.pointer, &a.message).cmp(&(b.location, &b.pointer, &b.message))
        });
        errors.dedup();
        errors
    }
}
